// An unknown node type is answered with the type a typo most likely meant, or with the list of known types; never
// with a "correction" into an unrelated type.
import { describe, expect, it } from 'vitest';
import { closestName, nodeTypeSuggestion } from './node-type-suggestion.ts';

const TYPES = ['dataset', 'tokenizer', 'model', 'pretrain', 'distill', 'finetune', 'quantize', 'evaluate', 'deploy', 'api-endpoint', 'export'];

describe('closestName', () => {
  it.each([
    ['pretrian', 'pretrain'], // two letters swapped
    ['evaluat', 'evaluate'], // one left out
    ['Deploy', 'deploy'], // case only
    ['api_endpoint', 'api-endpoint'],
    ['quantise', 'quantize'],
    ['modle', 'model'],
    ['DataSets', 'dataset'],
  ])('"%s" meant "%s"', (typo, meant) => {
    expect(closestName(typo, TYPES)).toBe(meant);
  });

  it.each(['mystery', 'train', 'llm', 'm', ''])('finds nothing close to "%s"', (name) => {
    expect(closestName(name, TYPES)).toBeNull();
  });

  it('takes the fewest edits, then the first known name', () => {
    expect(closestName('abcd', ['abxy', 'abcx', 'abdc'])).toBe('abcx');
  });
});

describe('nodeTypeSuggestion', () => {
  it('asks about the closest type, or lists them all', () => {
    expect(nodeTypeSuggestion('pretrian', TYPES)).toBe('did you mean "pretrain"?');
    expect(nodeTypeSuggestion('mystery', TYPES)).toBe(`the known types are ${TYPES.join(', ')}.`);
    expect(nodeTypeSuggestion('mystery', [])).toBe('no node types are known.');
  });
});
