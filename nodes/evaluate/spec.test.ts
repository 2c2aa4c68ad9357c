// The evaluate node's spec: a model is scored only on tokens made with its own tokenizer; tokens a tokenizer node
// trained for itself are refused before the run, saying which connection fixes it.
import { describe, expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { builtInRegistry } from '../specs.ts';
import { pipelineOf, type EdgeDef } from '../testing/pipeline-of.ts';

const CONFIGS: Record<string, Record<string, unknown>> = { dataset: { sources: [{ path: 'a.txt' }] }, model: { path: 'gpt2' } };
const NODES: [string, string][] = [['data', 'dataset'], ['base', 'model'], ['tok', 'tokenizer'], ['eval', 'evaluate']];
const pipeline = (edges: EdgeDef[]) => pipelineOf('evaluate lineage', NODES, edges, (_id, type) => CONFIGS[type]);

const EDGES: EdgeDef[] = [['data', 'corpus', 'tok', 'corpus'], ['base', 'model', 'eval', 'model'], ['tok', 'tokens', 'eval', 'tokens']];

describe('evaluate: model and tokens must share the tokenizer', () => {
  it('accepts tokens encoded with the model’s own tokenizer', () => {
    expect(validate(pipeline([...EDGES, ['base', 'tokenizer', 'tok', 'tokenizer']]), builtInRegistry())).toEqual([]);
  });

  it('refuses tokens from a tokenizer node that trains its own, saying which connection fixes it', () => {
    expect(validate(pipeline(EDGES), builtInRegistry())).toEqual([
      expect.objectContaining({ node: 'eval', code: 'tokenizer_mismatch', message: expect.stringContaining('connect "base"\'s tokenizer output to "tok"\'s tokenizer input') }),
    ]);
  });
});
