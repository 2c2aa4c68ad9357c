// The evaluate node's spec: a model is scored only on tokens made with its own tokenizer; tokens a tokenizer node
// trained for itself are refused before the run, saying which connection fixes it.
import { describe, expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { pipelineSchema, type Pipeline } from '../../app/pipeline/schema.ts';
import { builtInRegistry } from '../specs.ts';

type EdgeDef = [from: string, fromPort: string, to: string, toPort: string];

const CONFIGS: Record<string, Record<string, unknown>> = { dataset: { sources: [{ path: 'a.txt' }] }, model: { path: 'gpt2' } };

function pipeline(edges: EdgeDef[]): Pipeline {
  const nodes: [string, string][] = [['data', 'dataset'], ['base', 'model'], ['tok', 'tokenizer'], ['eval', 'evaluate']];
  return pipelineSchema.parse({
    format: 'crucible.pipeline',
    version: 1,
    name: 'evaluate lineage',
    nodes: nodes.map(([id, type]) => ({ id, type, typeVersion: 1, config: CONFIGS[type] ?? {} })),
    edges: edges.map(([from, fromPort, to, toPort], index) => ({ id: `e${index}`, from: { node: from, port: fromPort }, to: { node: to, port: toPort } })),
  });
}

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
