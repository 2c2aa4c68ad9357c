// Store actions that edit the graph: add with catalogue defaults, connect, refusals with the shared rule's reason,
// delete, and the drop-on-canvas offer of compatible node types.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { readPipelineJson } from '../../../app/pipeline/document.ts';
import { MAX_LABEL_LENGTH } from '../../../app/pipeline/schema.ts';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { createTestStore } from './testing/test-store.ts';

const defaultsOf = (type: string) => catalogue(builtInRegistry()).find((info) => info.type === type)!.defaults;

describe('adding nodes', () => {
  it('adds a node with the catalogue defaults, a readable unique id, and selects it', () => {
    const store = createTestStore();
    const first = store.getState().addNode('pretrain', { x: 10, y: 20 });
    const second = store.getState().addNode('pretrain', { x: 300, y: 20 });
    const { doc, selectedNodes } = store.getState();
    expect([first, second]).toEqual(['pretrain', 'pretrain-2']);
    expect(doc.nodes[0]).toMatchObject({ id: 'pretrain', type: 'pretrain', typeVersion: 1, ui: { position: { x: 10, y: 20 } } });
    expect(doc.nodes[0]!.config).toEqual(defaultsOf('pretrain'));
    expect(selectedNodes).toEqual(['pretrain-2']);
  });

  it('refuses a type the catalogue lacks, and says so', () => {
    const store = createTestStore();
    expect(store.getState().addNode('warp-drive')).toBeNull();
    expect(store.getState().doc.nodes).toHaveLength(0);
    expect(store.getState().notice?.message).toMatch(/"warp-drive".*no such node type/);
  });
});

describe('connecting', () => {
  function chain() {
    const store = createTestStore();
    for (const type of ['dataset', 'tokenizer', 'pretrain', 'evaluate']) store.getState().addNode(type);
    return store;
  }

  it('connects matching ports by name', () => {
    const store = chain();
    const check = store.getState().connect({ node: 'dataset', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
    expect(check.ok).toBe(true);
    expect(store.getState().doc.edges).toEqual([{ id: 'e1', from: { node: 'dataset', port: 'corpus' }, to: { node: 'tokenizer', port: 'corpus' } }]);
  });

  it('does not add the same edge twice', () => {
    const store = chain();
    const from = { node: 'dataset', port: 'corpus' };
    const to = { node: 'tokenizer', port: 'corpus' };
    store.getState().connect(from, to);
    store.getState().connect(from, to);
    expect(store.getState().doc.edges).toHaveLength(1);
  });

  it('refuses a type mismatch and shows the reason from the shared rules', () => {
    const store = chain();
    const check = store.getState().connect({ node: 'pretrain', port: 'model' }, { node: 'evaluate', port: 'tokens' });
    expect(check).toMatchObject({ ok: false, code: 'port_type_mismatch' });
    expect(store.getState().notice).toMatchObject({ kind: 'error' });
    expect(store.getState().notice?.message).toContain('Model cannot connect to Tokens');
    expect(store.getState().doc.edges).toHaveLength(0);
  });

  it('refuses a second edge into a single input', () => {
    const store = chain();
    store.getState().addNode('dataset');
    store.getState().connect({ node: 'dataset', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
    const check = store.getState().connect({ node: 'dataset-2', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
    expect(check).toMatchObject({ ok: false, code: 'input_already_connected' });
    expect(store.getState().notice?.message).toMatch(/input already connected/);
  });

  it('refuses an edge that closes a cycle', () => {
    const store = createTestStore();
    store.getState().addNode('distill');
    store.getState().addNode('distill');
    store.getState().connect({ node: 'distill', port: 'model' }, { node: 'distill-2', port: 'teacher' });
    const check = store.getState().connect({ node: 'distill-2', port: 'model' }, { node: 'distill', port: 'teacher' });
    expect(check).toMatchObject({ ok: false, code: 'cycle' });
    expect(store.getState().notice?.message).toContain('cycle: "distill" → "distill-2" → "distill"');
  });

  it('offers compatible node types for a connection dropped on empty canvas, then adds and connects the pick', () => {
    const store = chain();
    store.getState().offerConnection({ node: 'pretrain', port: 'model', draggedFrom: 'output', portType: 'Model', position: { x: 900, y: 300 }, screen: { x: 0, y: 0 } });
    const offered = store.getState().pendingConnection!.choices.map((choice) => choice.type);
    expect(offered).toEqual(['distill', 'finetune', 'quantize', 'evaluate', 'deploy', 'export']);
    const added = store.getState().completeConnection('quantize');
    const { doc, pendingConnection } = store.getState();
    expect(added).toBe('quantize');
    expect(pendingConnection).toBeNull();
    expect(doc.nodes.at(-1)!.ui?.position).toEqual({ x: 900, y: 300 });
    expect(doc.edges.at(-1)).toMatchObject({ from: { node: 'pretrain', port: 'model' }, to: { node: 'quantize', port: 'model' } });
  });
});

describe('deleting', () => {
  it('deletes selected nodes with their edges', () => {
    const store = createTestStore();
    store.getState().addNode('dataset');
    store.getState().addNode('tokenizer');
    store.getState().connect({ node: 'dataset', port: 'corpus' }, { node: 'tokenizer', port: 'corpus' });
    store.getState().select({ nodes: ['dataset'] });
    store.getState().deleteSelection();
    const { doc, selectedNodes } = store.getState();
    expect(doc.nodes.map((node) => node.id)).toEqual(['tokenizer']);
    expect(doc.edges).toEqual([]);
    expect(selectedNodes).toEqual([]);
  });
});

describe('names and titles', () => {
  it('keeps a pipeline name and a node title within what a file may hold, so the saved file opens again', () => {
    const store = createTestStore();
    store.getState().addNode('dataset', { x: 0, y: 0 });
    store.getState().setPipelineName('n'.repeat(250));
    store.getState().setNodeTitle('dataset', `  ${'t'.repeat(250)}  `);
    const { doc } = store.getState();
    expect(doc.name).toHaveLength(MAX_LABEL_LENGTH);
    expect(doc.nodes[0]!.title).toHaveLength(MAX_LABEL_LENGTH);
    const reopened = readPipelineJson(JSON.parse(serializePipeline(doc)), builtInRegistry());
    expect(reopened.problems.filter((problem) => problem.code === 'invalid_file')).toEqual([]);
    expect(reopened.pipeline?.nodes.map((node) => node.title)).toEqual([doc.nodes[0]!.title]);
  });
});
