// Opening and saving: the example files round-trip byte for byte through the store, and files with problems open
// in a non-destructive "needs attention" state (placeholders, removed ports, failed or applied migrations).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectDirty } from './selectors.ts';
import { createTestStore } from './testing/test-store.ts';

const examplesDir = path.resolve(import.meta.dirname, '../../../examples');
const exampleText = (name: string) => readFileSync(path.join(examplesDir, name), 'utf8');

function saved(store: ReturnType<typeof createTestStore>): string {
  const result = store.getState().saveText();
  if (!result.ok) throw new Error(result.message);
  return result.text;
}

describe('load and save', () => {
  it.each(['char-shakespeare.crucible.json', 'bpe-distill-int4-api.crucible.json'])('round-trips %s byte for byte', (name) => {
    const store = createTestStore();
    const text = exampleText(name);
    expect(store.getState().openText(text, name)).toBeNull();
    expect(selectDirty(store.getState())).toBe(false);
    expect(saved(store)).toBe(text);
  });

  it('saves edits, and reopening the saved text gives the same graph', () => {
    const store = createTestStore();
    store.getState().openText(exampleText('char-shakespeare.crucible.json'), 'char.crucible.json');
    store.getState().setConfigField('train', ['maxSteps'], 20);
    store.getState().addNode('quantize', { x: 900, y: 200 });
    store.getState().connect({ node: 'train', port: 'model' }, { node: 'quantize', port: 'model' });
    const text = saved(store);
    const reopened = createTestStore();
    reopened.getState().openText(text, 'char.crucible.json');
    expect(reopened.getState().doc).toEqual(store.getState().doc);
    expect(reopened.getState().doc.nodes.find((node) => node.id === 'train')!.config.maxSteps).toBe(20);
  });

  it('clears the dirty marker once saved, and a new pipeline starts clean and empty', () => {
    const store = createTestStore();
    store.getState().addNode('dataset');
    const result = store.getState().saveText();
    if (!result.ok) throw new Error(result.message);
    store.getState().markSaved('mine.crucible.json', result.doc);
    expect(selectDirty(store.getState())).toBe(false);
    expect(store.getState().fileName).toBe('mine.crucible.json');
    store.getState().newPipeline();
    expect(store.getState().doc.nodes).toEqual([]);
    expect(store.getState().undo()).toBe(false);
  });

  it('refuses to save an API key into the file, with the reason', () => {
    const store = createTestStore();
    store.getState().addNode('dataset');
    store.getState().setConfigField('dataset', ['textField'], 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789');
    const result = store.getState().saveText();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/looks like an API key/);
  });
});

describe('files that need attention', () => {
  const file = (nodes: unknown[], edges: unknown[] = []) => JSON.stringify({ format: 'crucible.pipeline', version: 1, name: 'odd', nodes, edges });

  it('keeps an unknown node type as a placeholder and writes it back untouched', () => {
    const store = createTestStore();
    const text = file([
      { id: 'data', type: 'dataset', typeVersion: 1, config: { sources: [{ path: 'a.txt' }] } },
      { id: 'magic', type: 'plugin-magic', typeVersion: 3, config: { wand: 'oak', nested: { depth: 2 } } },
    ], [{ id: 'e1', from: { node: 'data', port: 'corpus' }, to: { node: 'magic', port: 'text' } }]);
    const attention = store.getState().openText(text, 'odd.crucible.json')!;
    expect(attention.blocking).toBe(false);
    expect(attention.problems.map((problem) => problem.code)).toEqual(['unknown_node_type']);
    const reopened = JSON.parse(saved(store));
    expect(reopened.nodes[1]).toEqual({ id: 'magic', type: 'plugin-magic', typeVersion: 3, config: { wand: 'oak', nested: { depth: 2 } } });
    expect(reopened.edges).toHaveLength(1);
  });

  it('lists an edge to a port the node type no longer has, and keeps the edge', () => {
    const store = createTestStore();
    const text = file([
      { id: 'data', type: 'dataset', typeVersion: 1, config: {} },
      { id: 'tok', type: 'tokenizer', typeVersion: 1, config: {} },
    ], [{ id: 'e1', from: { node: 'data', port: 'text' }, to: { node: 'tok', port: 'corpus' } }]);
    const attention = store.getState().openText(text, null)!;
    expect(attention.problems).toEqual([expect.objectContaining({ code: 'edge_missing_port', edge: 'e1', message: expect.stringContaining('has no output "text"') })]);
    expect(store.getState().doc.edges).toHaveLength(1);
  });

  it('opens a file whose migration fails as blocking: nothing on the canvas, and no saving over it', () => {
    const store = createTestStore();
    const attention = store.getState().openText(JSON.stringify({ name: 'proto', nodes: [], links: [['a', 'b']] }), 'proto.json')!;
    expect(attention).toMatchObject({ blocking: true, problems: [expect.objectContaining({ code: 'migration_failed' })] });
    expect(store.getState().doc.nodes).toEqual([]);
    expect(store.getState().saveText()).toMatchObject({ ok: false, message: expect.stringContaining('Save As') });
    expect(store.getState().saveText({ asNewFile: true }).ok).toBe(true);
  });

  it('upgrades an old file, says from which version, and opens it dirty', () => {
    const store = createTestStore();
    const v0 = { name: 'proto', nodes: [{ id: 'd', type: 'dataset', params: { sources: [{ path: 'a.txt' }] }, position: [5, 6] }], links: [] };
    const attention = store.getState().openText(JSON.stringify(v0), 'proto.json')!;
    expect(attention).toMatchObject({ migratedFrom: 0, blocking: false });
    expect(store.getState().doc.nodes[0]).toMatchObject({ id: 'd', typeVersion: 1, ui: { position: { x: 5, y: 6 } } });
    expect(selectDirty(store.getState())).toBe(true);
  });

  it('reports text that is not JSON with its line and column', () => {
    const store = createTestStore();
    const attention = store.getState().openText('{\n  "name": oops\n}', 'broken.json')!;
    expect(attention.blocking).toBe(true);
    expect(attention.problems[0]!.message).toMatch(/line 2, column/);
  });
});

describe('auto-layout', () => {
  it('lays the pipeline out left to right in run order, as one undo step', () => {
    const store = createTestStore();
    store.getState().openText(exampleText('bpe-distill-int4-api.crucible.json'), null);
    const before = store.getState().doc;
    store.getState().autoLayout();
    const { doc } = store.getState();
    const x = (id: string) => doc.nodes.find((node) => node.id === id)!.ui!.position.x;
    for (const edge of doc.edges) expect(x(edge.from.node)).toBeLessThan(x(edge.to.node));
    store.getState().undo();
    expect(store.getState().doc).toBe(before);
  });
});
