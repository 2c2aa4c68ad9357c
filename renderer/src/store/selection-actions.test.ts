// Multi-select, copy/paste and duplicate: pasted nodes get fresh ids, keep their edges among themselves, land
// offset from the originals and become the selection.
import { describe, expect, it } from 'vitest';
import { createTestStore } from './testing/test-store.ts';

function connectedPair() {
  const store = createTestStore();
  store.getState().addNode('dataset', { x: 0, y: 0 });
  store.getState().addNode('tokenizer', { x: 300, y: 0 });
  store.getState().addNode('pretrain', { x: 600, y: 0 });
  store.getState().connect({ node: 'dataset', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
  store.getState().connect({ node: 'tokenizer', port: 'tokens' }, { node: 'pretrain', port: 'tokens' });
  return store;
}

describe('selection and clipboard', () => {
  it('adds to and toggles the selection', () => {
    const store = connectedPair();
    store.getState().select({ nodes: ['dataset'] });
    store.getState().select({ nodes: ['tokenizer'] }, 'add');
    store.getState().select({ nodes: ['dataset'] }, 'toggle');
    expect(store.getState().selectedNodes).toEqual(['tokenizer']);
    store.getState().selectAll();
    expect(store.getState().selectedNodes).toHaveLength(3);
    expect(store.getState().selectedEdges).toEqual(['e1', 'e2']);
  });

  it('pastes copies with fresh ids, their inner edge, an offset, and each paste further along', () => {
    const store = connectedPair();
    store.getState().select({ nodes: ['dataset', 'tokenizer'] });
    const copied = store.getState().copySelection()!;
    expect(copied.edges).toHaveLength(1); // the edge to pretrain leaves the selection, so it is not copied
    const first = store.getState().paste();
    const second = store.getState().paste();
    const { doc, selectedNodes, selectedEdges } = store.getState();
    expect(first).toEqual(['dataset-2', 'tokenizer-2']);
    expect(second).toEqual(['dataset-3', 'tokenizer-3']);
    expect(selectedNodes).toEqual(second);
    expect(doc.edges.find((edge) => edge.id === selectedEdges[0])).toMatchObject({ from: { node: 'dataset-3' }, to: { node: 'tokenizer-3' } });
    const position = (id: string) => doc.nodes.find((node) => node.id === id)!.ui!.position;
    expect(position('dataset-2')).toEqual({ x: 40, y: 40 });
    expect(position('dataset-3')).toEqual({ x: 80, y: 80 });
  });

  it('duplicates without touching the clipboard, and cut removes what it copied', () => {
    const store = connectedPair();
    store.getState().select({ nodes: ['pretrain'] });
    expect(store.getState().duplicateSelection()).toEqual(['pretrain-2']);
    expect(store.getState().clipboard).toBeNull();
    store.getState().select({ nodes: ['dataset'] });
    store.getState().cutSelection();
    expect(store.getState().doc.nodes.map((node) => node.id)).toEqual(['tokenizer', 'pretrain', 'pretrain-2']);
    expect(store.getState().paste()).toEqual(['dataset']);
  });
});
