// The export node's graph check: a GGUF export of a model whose tokenizer is trained without special tokens is
// refused when the pipeline is validated, since the exporter would refuse it after the training.
import { expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { builtInRegistry } from '../specs.ts';
import { pipelineOf, type EdgeDef } from '../testing/pipeline-of.ts';

const NODES: [string, string][] = [['data', 'dataset'], ['tok', 'tokenizer'], ['train', 'pretrain'], ['small', 'quantize'], ['out', 'export']];
const EDGES: EdgeDef[] = [['data', 'corpus', 'tok', 'corpus'], ['tok', 'tokens', 'train', 'tokens'], ['train', 'model', 'small', 'model'], ['small', 'model', 'out', 'model']];

const problemsOf = (tokenizer: Record<string, unknown>, format: string) => {
  const configs: Record<string, Record<string, unknown>> = { data: { sources: [{ path: '/data/a.txt' }] }, tok: tokenizer, out: { format } };
  return validate(pipelineOf('gguf end of text', NODES, EDGES, (id) => configs[id]), builtInRegistry());
};

it('refuses a GGUF export whose model is trained on a tokenizer without special tokens, through a quantize node', () => {
  expect(problemsOf({ kind: 'char', specialTokens: [] }, 'gguf')).toEqual([
    {
      node: 'out',
      field: 'format',
      code: 'gguf_needs_end_of_text',
      message: 'GGUF needs an end-of-text token, and tokenizer "tok" is trained without special tokens (specialTokens: []), so this export would fail after the training. Add "<|endoftext|>" to "tok"\'s specialTokens, or export as hf or onnx',
    },
  ]);
});

it('accepts the tokenizer’s default special token, and the hf and onnx formats without one', () => {
  expect(problemsOf({ kind: 'char' }, 'gguf')).toEqual([]);
  expect(problemsOf({ kind: 'bpe', specialTokens: ['<|endoftext|>'] }, 'gguf')).toEqual([]);
  expect(problemsOf({ kind: 'char', specialTokens: [] }, 'hf')).toEqual([]);
  expect(problemsOf({ kind: 'char', specialTokens: [] }, 'onnx')).toEqual([]);
});
