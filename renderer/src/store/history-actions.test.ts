// Undo and redo cover every kind of edit, a drag or a run of typing in one field is one step, and the dirty marker
// follows the document back to its saved state.
import { describe, expect, it } from 'vitest';
import { selectDirty } from './selectors.ts';
import { createTestStore } from './testing/test-store.ts';

function twoNodes() {
  const store = createTestStore();
  store.getState().addNode('dataset', { x: 0, y: 0 });
  store.getState().addNode('tokenizer', { x: 300, y: 0 });
  return store;
}

describe('undo and redo', () => {
  it('walks back and forth through add and connect', () => {
    const store = twoNodes();
    store.getState().connect({ node: 'dataset', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
    const connected = store.getState().doc;
    expect(store.getState().undo()).toBe(true);
    expect(store.getState().doc.edges).toHaveLength(0);
    expect(store.getState().undo()).toBe(true);
    expect(store.getState().doc.nodes.map((node) => node.id)).toEqual(['dataset']);
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().doc).toBe(connected);
    expect(store.getState().redo()).toBe(false);
  });

  it('makes one drag one step, however many frames it had', () => {
    const store = twoNodes();
    for (let x = 1; x <= 5; x++) store.getState().moveNodes([{ id: 'dataset', position: { x: x * 10, y: 0 } }], 'dragging');
    store.getState().moveNodes([{ id: 'dataset', position: { x: 60, y: 5 } }], 'done');
    store.getState().moveNodes([{ id: 'dataset', position: { x: 100, y: 5 } }], 'dragging');
    store.getState().moveNodes([{ id: 'dataset', position: { x: 120, y: 5 } }], 'done');
    store.getState().undo();
    expect(store.getState().doc.nodes[0]!.ui?.position).toEqual({ x: 60, y: 5 });
    store.getState().undo();
    expect(store.getState().doc.nodes[0]!.ui?.position).toEqual({ x: 0, y: 0 });
  });

  it('merges typing into one field, but not edits of different fields', () => {
    const store = twoNodes();
    for (const value of [1, 12, 128]) store.getState().setConfigField('tokenizer', ['vocabSize'], value);
    store.getState().setConfigField('tokenizer', ['kind'], 'char');
    store.getState().undo();
    expect(store.getState().doc.nodes[1]!.config).toMatchObject({ kind: 'bpe', vocabSize: 128 });
    store.getState().undo();
    expect(store.getState().doc.nodes[1]!.config.vocabSize).toBe(4096);
  });

  it('undoes a field reset, a rename, a delete and a paste', () => {
    const store = twoNodes();
    store.getState().setConfigField('tokenizer', ['vocabSize'], 512);
    store.getState().resetConfigField('tokenizer', ['vocabSize']);
    expect(store.getState().doc.nodes[1]!.config.vocabSize).toBe(4096);
    store.getState().setNodeTitle('tokenizer', 'Char tokens');
    store.getState().select({ nodes: ['dataset'] });
    store.getState().copySelection();
    store.getState().paste();
    store.getState().deleteNodes(['tokenizer']);

    store.getState().undo();
    expect(store.getState().doc.nodes.map((node) => node.id)).toEqual(['dataset', 'tokenizer', 'dataset-2']);
    store.getState().undo();
    expect(store.getState().doc.nodes).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().doc.nodes[1]!.title).toBeUndefined();
    store.getState().undo();
    expect(store.getState().doc.nodes[1]!.config.vocabSize).toBe(512);
  });

  it('drops the redo stack on a new edit', () => {
    const store = twoNodes();
    store.getState().undo();
    store.getState().addNode('pretrain');
    expect(store.getState().redo()).toBe(false);
    expect(store.getState().doc.nodes.map((node) => node.id)).toEqual(['dataset', 'pretrain']);
  });

  it('keeps the selection only where it still points at something', () => {
    const store = twoNodes();
    store.getState().select({ nodes: ['dataset', 'tokenizer'] });
    store.getState().undo();
    expect(store.getState().selectedNodes).toEqual(['dataset']);
  });

  it('marks the document dirty after an edit and clean again when undone to the saved state', () => {
    const store = createTestStore();
    expect(selectDirty(store.getState())).toBe(false);
    store.getState().addNode('dataset');
    expect(selectDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(selectDirty(store.getState())).toBe(false);
  });
});
