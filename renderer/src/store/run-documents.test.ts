// Run state belongs to the run of this document: another document or a node added since shows no state, History ›
// Open puts the run's graph on the canvas, and a run found running after a reload gets its charts, logs and graph.
import { describe, expect, it } from 'vitest';
import type { LogLine, RunDetail } from '../../../app/protocol/engine-api.ts';
import type { Pipeline } from '../../../app/pipeline/schema.ts';
import type { EngineApi } from '../api/engine-client.ts';
import { samePipelineGraph } from './run-documents.ts';
import { selectNodeRun } from './selectors.ts';
import { fakeEngineApi } from './testing/fake-engine.ts';
import { createTestStore } from './testing/test-store.ts';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function detailOf(runId: string, pipeline: Pipeline, status: 'running' | 'succeeded' = 'succeeded'): RunDetail {
  const nodes = Object.fromEntries(pipeline.nodes.map((node) => [node.id, { state: 'succeeded', cached: false, metrics: {}, artifacts: {}, durationMs: 83 }]));
  return {
    run: { id: runId, status, pipelineName: pipeline.name, pipelinePath: '/work/old.crucible.json', targets: [], startedAt: at(0), finishedAt: status === 'running' ? null : at(9), nodeCounts: {} },
    pipeline,
    nodes,
    metrics: { [pipeline.nodes[0]!.id]: { loss: [{ step: 1, value: 3, at: at(1) }, { step: 2, value: 2, at: at(2) }] } },
  } as unknown as RunDetail;
}

function connectedStore(overrides: Partial<EngineApi> = {}) {
  let deliver: (message: unknown) => void = () => undefined;
  const store = createTestStore();
  store.getState().attachEngine(
    fakeEngineApi({
      validate: async () => ({ valid: true, problems: [], pipeline: null }),
      startRun: async () => ({ runId: 'r1' }),
      streamEvents: (onMessage) => ((deliver = onMessage), () => undefined),
      ...overrides,
    }),
  );
  return { store, send: (message: unknown) => deliver(message) };
}

async function finishedRunOfTwoNodes() {
  const fake = connectedStore();
  const { store, send } = fake;
  store.getState().addNode('dataset');
  store.getState().addNode('tokenizer');
  await store.getState().startRun();
  send({ runId: 'r1', at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: ['dataset', 'tokenizer'] });
  for (const node of ['dataset', 'tokenizer']) send({ runId: 'r1', at: at(1), type: 'node.state', node, state: 'succeeded', durationMs: 83 });
  return fake;
}

describe('run state belongs to the run of this document', () => {
  it('shows the run on the nodes it ran, and no state on a node added since', async () => {
    const { store } = await finishedRunOfTwoNodes();
    expect(selectNodeRun(store.getState(), 'dataset')?.state).toBe('succeeded');
    const added = store.getState().addNode('deploy')!;
    expect(store.getState().runs.r1!.nodes[added]).toBeUndefined();
    expect(selectNodeRun(store.getState(), added)).toBeUndefined();
    // Edits elsewhere keep the states of the nodes the run ran.
    store.getState().setNodeTitle('tokenizer', 'Chars');
    expect(selectNodeRun(store.getState(), 'tokenizer')?.state).toBe('succeeded');
  });

  it('does not show a node of another type that took a ran node’s id', async () => {
    const { store } = await finishedRunOfTwoNodes();
    store.getState().deleteNodes(['dataset']);
    const doc = store.getState().doc;
    store.setState({ doc: { ...doc, nodes: [...doc.nodes, { id: 'dataset', type: 'deploy', typeVersion: 1, config: {}, ui: { position: { x: 0, y: 0 } } }] } });
    expect(selectNodeRun(store.getState(), 'dataset')).toBeUndefined();
  });

  it('stops showing the run when another document opens, and shows it again on the graph it ran', async () => {
    const { store } = await finishedRunOfTwoNodes();
    const ran = store.getState().doc;
    store.getState().newPipeline();
    store.getState().addNode('dataset');
    expect(store.getState().shownRunId).toBeNull();
    expect(selectNodeRun(store.getState(), 'dataset')).toBeUndefined();
    store.setState({ shownRunId: 'r1' });
    store.getState().openJson(JSON.parse(JSON.stringify(ran)), 'same.crucible.json');
    expect(store.getState().shownRunId).toBe('r1');
    expect(selectNodeRun(store.getState(), 'dataset')?.state).toBe('succeeded');
  });
});

describe('History › Open', () => {
  const logs: LogLine[] = [{ id: 1, node: 'dataset', level: 'info', line: 'read 3 files', at: at(1) }];

  it('puts the graph the run ran on the canvas, unsaved, with its states, charts and logs', async () => {
    const source = createTestStore();
    source.getState().addNode('dataset');
    source.getState().addNode('pretrain');
    const ranPipeline = source.getState().doc;
    const { store } = connectedStore({ getRun: async () => detailOf('r7', ranPipeline), runLogs: async () => logs });
    store.getState().addNode('tokenizer');
    await store.getState().openPastRun('r7');
    const state = store.getState();
    expect(state.doc).toBe(ranPipeline);
    expect(state).toMatchObject({ shownRunId: 'r7', fileName: 'old.crucible.json', filePath: '/work/old.crucible.json', savedDoc: null });
    expect(selectNodeRun(state, 'pretrain')).toMatchObject({ state: 'succeeded', durationMs: 83 });
    expect(state.runs.r7!.series.dataset!.loss!.values).toEqual([3, 2]);
    expect(state.runs.r7!.logs.dataset!.map((entry) => entry.line)).toEqual(['read 3 files']);
  });

  it('keeps the document when it is the graph the run ran (moved nodes included)', async () => {
    const { store } = connectedStore();
    store.getState().addNode('dataset');
    const moved = store.getState().doc;
    const ranPipeline = { ...moved, nodes: moved.nodes.map((node) => ({ ...node, ui: { position: { x: 999, y: 1 } } })) };
    store.setState({ engine: fakeEngineApi({ getRun: async () => detailOf('r2', ranPipeline), runLogs: async () => [] }) });
    await store.getState().openPastRun('r2');
    expect(store.getState().doc).toBe(moved);
    expect(selectNodeRun(store.getState(), 'dataset')?.state).toBe('succeeded');
  });

  it('compares graphs by meaning: config order does not count, a changed value does', () => {
    const store = createTestStore();
    store.getState().addNode('dataset');
    const doc = store.getState().doc;
    const node = doc.nodes[0]!;
    const reordered = { ...doc, nodes: [{ ...node, config: Object.fromEntries(Object.entries(node.config).reverse()) }] };
    expect(samePipelineGraph(doc, reordered)).toBe(true);
    expect(samePipelineGraph(doc, { ...doc, nodes: [{ ...node, config: { ...node.config, seed: 12345 } }] })).toBe(false);
    expect(samePipelineGraph(doc, undefined)).toBe(false);
  });
});

describe('a run found running after a reload', () => {
  it('re-attaches: stored chart points, stored logs then live ones, and its graph', async () => {
    const source = createTestStore();
    source.getState().addNode('dataset');
    const ranPipeline = source.getState().doc;
    const stored: LogLine[] = [{ id: 1, node: 'dataset', level: 'info', line: 'stored line', at: at(1) }];
    const { store, send } = connectedStore({ getRun: async () => detailOf('r5', ranPipeline, 'running'), runLogs: async () => stored });
    store.getState().openJson(JSON.parse(JSON.stringify(ranPipeline)), null);
    store.setState({ shownRunId: 'r5' });
    send({ type: 'snapshot', services: [], runs: [{ runId: 'r5', pipelineName: 'p', targets: [], status: 'running', startedAt: at(0), nodes: { dataset: { state: 'running', progress: { fraction: 0.4 }, recentLogs: [{ level: 'info', line: 'stored line', at: at(1) }] } } }] });
    send({ runId: 'r5', at: at(3), type: 'node.log', node: 'dataset', level: 'info', line: 'live line' });
    // A point that arrived while the stored ones were read stays; one the store already has is not doubled.
    send({ runId: 'r5', at: at(3), type: 'node.progress', node: 'dataset', fraction: 0.45, step: 2, metrics: { loss: 2 } });
    send({ runId: 'r5', at: at(3), type: 'node.progress', node: 'dataset', fraction: 0.45, step: 3, metrics: { loss: 1.7 } });
    await settle();
    const run = store.getState().runs.r5!;
    expect(run.series.dataset!.loss).toEqual({ steps: [1, 2, 3], values: [3, 2, 1.7] });
    expect(run.logs.dataset!.map((entry) => entry.line)).toEqual(['stored line', 'live line']);
    expect(selectNodeRun(store.getState(), 'dataset')).toMatchObject({ state: 'running', fraction: 0.45 });
    send({ runId: 'r5', at: at(4), type: 'node.progress', node: 'dataset', fraction: 0.5, step: 4, metrics: { loss: 1.5 } });
    expect(store.getState().runs.r5!.series.dataset!.loss!.steps).toEqual([1, 2, 3, 4]);
  });

  it('reads the shown run from the store when it ended while the page was away', async () => {
    const source = createTestStore();
    source.getState().addNode('dataset');
    const ranPipeline = source.getState().doc;
    const { store, send } = connectedStore({ getRun: async () => detailOf('r6', ranPipeline), runLogs: async () => [] });
    store.getState().openJson(JSON.parse(JSON.stringify(ranPipeline)), null);
    store.setState({ shownRunId: 'r6' });
    send({ type: 'snapshot', services: [], runs: [] });
    await settle();
    expect(selectNodeRun(store.getState(), 'dataset')?.state).toBe('succeeded');
  });
});
