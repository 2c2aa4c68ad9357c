// The facts under a node's form come from its spec, with the config of the node feeding it read from the document.
import { describe, expect, it } from 'vitest';
import { gpt2Sizing } from '../../../app/models/gpt2-sizing.ts';
import { formatCount } from '../../../app/text/format-quantity.ts';
import { createTestStore } from '../store/testing/test-store.ts';
import { nodeFacts } from './node-facts.ts';

describe('nodeFacts', () => {
  it('uses the vocabulary of the BPE tokenizer feeding the pretrain node', () => {
    const store = createTestStore();
    store.getState().addNode('tokenizer');
    store.getState().addNode('pretrain');
    store.getState().connect({ node: 'tokenizer', port: 'tokens' }, { node: 'pretrain', port: 'tokens' });
    store.getState().setConfigField('tokenizer', ['vocabSize'], 1000);
    const { doc, registry } = store.getState();
    const expected = gpt2Sizing.parameterCount({ vocabSize: 1000, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: true });
    const facts = nodeFacts(doc, 'pretrain', registry);
    expect(expected).toBe(929_536);
    expect(facts[0]).toEqual({ label: 'Parameters', value: formatCount(expected), note: undefined });
    expect(facts[1]).toEqual({ label: 'Tokens per step', value: '768' });
  });

  it('says what it assumed when no tokenizer is connected, and has no facts for types without them or invalid configs', () => {
    const store = createTestStore();
    store.getState().addNode('pretrain');
    store.getState().addNode('dataset');
    expect(nodeFacts(store.getState().doc, 'pretrain', store.getState().registry)[0]!.note).toMatch(/no tokenizer connected/);
    expect(nodeFacts(store.getState().doc, 'dataset', store.getState().registry)).toEqual([]);
    store.getState().setConfigField('pretrain', ['nLayer'], 'four');
    expect(nodeFacts(store.getState().doc, 'pretrain', store.getState().registry)).toEqual([]);
  });
});
