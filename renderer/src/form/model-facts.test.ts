// Derived facts: the parameter count matches GPT-2 small as nanoGPT and Hugging Face report it, the memory estimate
// scales as its formula says, and the facts follow the tokenizer feeding the node.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { createTestStore } from '../store/test-store.ts';
import { formatCount, gpt2ParameterCount, trainingMemoryEstimate, type Gpt2Shape } from './model-facts.ts';
import { nodeFacts } from './node-facts.ts';

const gpt2Small: Gpt2Shape = { vocabSize: 50_257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, bias: true };

describe('gpt2ParameterCount', () => {
  it('counts GPT-2 small as 124,439,808 (123.65M without position embeddings, as nanoGPT prints)', () => {
    expect(gpt2ParameterCount(gpt2Small)).toBe(124_439_808);
    expect(gpt2ParameterCount(gpt2Small) - 1024 * 768).toBe(123_653_376);
  });

  it('drops biases and LayerNorm biases without bias', () => {
    const C = 768;
    const withBias = gpt2ParameterCount(gpt2Small);
    const without = gpt2ParameterCount({ ...gpt2Small, bias: false });
    expect(withBias - without).toBe(12 * (9 * C + 2 * C) + C);
  });
});

describe('trainingMemoryEstimate', () => {
  it('keeps four float32 copies of the weights and scales activations with the batch', () => {
    const one = trainingMemoryEstimate(gpt2Small, 1);
    const four = trainingMemoryEstimate(gpt2Small, 4);
    expect(one.parameterBytes).toBe(gpt2ParameterCount(gpt2Small) * 16);
    expect(four.parameterBytes).toBe(one.parameterBytes);
    expect(four.activationBytes).toBe(4 * one.activationBytes);
  });
});

describe('nodeFacts', () => {
  const byType = new Map(catalogue(builtInRegistry()).map((info) => [info.type, info]));

  it('uses the vocabulary of the BPE tokenizer feeding the pretrain node', () => {
    const store = createTestStore();
    store.getState().addNode('tokenizer');
    store.getState().addNode('pretrain');
    store.getState().connect({ node: 'tokenizer', port: 'tokens' }, { node: 'pretrain', port: 'tokens' });
    store.getState().setConfigField('tokenizer', ['vocabSize'], 1000);
    const expected = gpt2ParameterCount({ vocabSize: 1000, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: true });
    const facts = nodeFacts(store.getState().doc, 'pretrain', byType);
    expect(expected).toBe(929_536);
    expect(facts[0]).toEqual({ label: 'Parameters', value: formatCount(expected), note: undefined });
    expect(facts[1]).toEqual({ label: 'Tokens per step', value: '768' });
  });

  it('says what it assumed when no tokenizer is connected, and has no facts for other node types', () => {
    const store = createTestStore();
    store.getState().addNode('pretrain');
    store.getState().addNode('dataset');
    expect(nodeFacts(store.getState().doc, 'pretrain', byType)[0]!.note).toMatch(/no tokenizer connected/);
    expect(nodeFacts(store.getState().doc, 'dataset', byType)).toEqual([]);
  });
});
