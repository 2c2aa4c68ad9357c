// Running through the engine API with a fake engine: Run and Run to selected send the pipeline and targets, the
// event stream drives node states, a reconnect's snapshot resumes the run and refills its charts, refusals
// show the engine's problems, and Stop cancels the shown run.
import { describe, expect, it } from 'vitest';
import type { RunDetail, StartRunRequest } from '../../../app/protocol/engine-api.ts';
import type { RunEvent } from '../../../app/protocol/run-events.ts';
import { EngineRequestError, type EngineApi } from '../api/engine-client.ts';
import { fakeEngineApi } from './fake-engine.ts';
import { createTestStore } from './test-store.ts';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function fakeEngine(overrides: Partial<EngineApi> = {}) {
  const started: StartRunRequest[] = [];
  const cancelled: string[] = [];
  let deliver: (message: unknown) => void = () => undefined;
  const engine: EngineApi = fakeEngineApi({
    nodeTypes: async () => [],
    validate: async () => ({ valid: true, problems: [], pipeline: null }),
    startRun: async (request) => {
      started.push(request);
      return { runId: 'r1' };
    },
    cancelRun: async (runId) => void cancelled.push(runId),
    listRuns: async () => [],
    getRun: async () => {
      throw new EngineRequestError('no run', 404, 'run_not_found');
    },
    runLogs: async () => [],
    artifacts: async () => [],
    services: async () => [],
    streamEvents: (onMessage, onStatus) => {
      deliver = onMessage;
      onStatus('live');
      return () => undefined;
    },
    ...overrides,
  });
  return { engine, started, cancelled, send: (message: unknown) => deliver(message) };
}

function storeWithNodes() {
  const store = createTestStore();
  store.getState().addNode('dataset');
  store.getState().addNode('tokenizer');
  return store;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('running', () => {
  it('starts the whole pipeline, or up to the selected nodes', async () => {
    const store = storeWithNodes();
    const fake = fakeEngine();
    store.getState().attachEngine(fake.engine);
    expect(await store.getState().startRun()).toBe('r1');
    store.getState().select({ nodes: ['tokenizer'] });
    await store.getState().runToSelected();
    expect(fake.started.map((request) => request.targets)).toEqual([[], ['tokenizer']]);
    expect(fake.started[0]!.pipeline).toBe(store.getState().doc);
    expect(store.getState()).toMatchObject({ shownRunId: 'r1', bottomOpen: true, connection: 'live' });
  });

  it('folds streamed events into the shown run, which the canvas badges read', async () => {
    const store = storeWithNodes();
    const fake = fakeEngine();
    store.getState().attachEngine(fake.engine);
    await store.getState().startRun();
    const events: RunEvent[] = [
      { runId: 'r1', at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: ['dataset', 'tokenizer'] },
      { runId: 'r1', at: at(1), type: 'node.state', node: 'dataset', state: 'cached', cached: true, reason: 'same config and inputs as run r0' },
      { runId: 'r1', at: at(2), type: 'node.state', node: 'tokenizer', state: 'running' },
      { runId: 'r1', at: at(3), type: 'node.progress', node: 'tokenizer', fraction: 0.5, etaMs: 1000 },
    ];
    for (const event of events) fake.send(event);
    const run = store.getState().runs.r1!;
    expect(run.nodes.dataset).toMatchObject({ state: 'cached', reason: 'same config and inputs as run r0' });
    expect(run.nodes.tokenizer).toMatchObject({ state: 'running', fraction: 0.5, etaMs: 1000 });
  });

  it('resumes after a reconnect from the snapshot and refills the charts from the stored run', async () => {
    const detail = {
      run: { id: 'r1', status: 'running', pipelineName: 'p', pipelinePath: null, targets: [], startedAt: at(0), finishedAt: null, nodeCounts: {} },
      pipeline: {},
      nodes: {},
      metrics: { tokenizer: { loss: [{ step: 1, value: 3, at: at(1) }, { step: 2, value: 2, at: at(2) }] } },
    } as unknown as RunDetail;
    const store = storeWithNodes();
    const fake = fakeEngine({ getRun: async () => detail });
    store.getState().attachEngine(fake.engine);
    await store.getState().startRun();
    fake.send({ runId: 'r1', at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: ['dataset', 'tokenizer'] });
    fake.send({ type: 'snapshot', services: [], runs: [{ runId: 'r1', pipelineName: 'p', targets: [], status: 'running', startedAt: at(0), nodes: { tokenizer: { state: 'running', metrics: { loss: 2 }, progress: { fraction: 0.9 } } } }] });
    expect(store.getState().runs.r1!.nodes.tokenizer).toMatchObject({ state: 'running', fraction: 0.9 });
    await settle();
    expect(store.getState().runs.r1!.series.tokenizer!.loss).toEqual({ steps: [1, 2], values: [3, 2] });
  });

  it('shows the engine’s problems when it refuses to start', async () => {
    const store = storeWithNodes();
    const problems = [{ node: 'dataset', field: 'sources', code: 'config_invalid' as const, message: 'add at least one source' }];
    const fake = fakeEngine({
      startRun: async () => {
        throw new EngineRequestError('the pipeline has problems; fix them and run again', 422, 'pipeline_invalid', problems);
      },
    });
    store.getState().attachEngine(fake.engine);
    expect(await store.getState().startRun()).toBeNull();
    expect(store.getState().notice?.message).toBe('Cannot start the run: the pipeline has problems; fix them and run again: node "dataset": config.sources: add at least one source');
  });

  it('stops the shown run while it runs, and says so when nothing runs', async () => {
    const store = storeWithNodes();
    const fake = fakeEngine();
    store.getState().attachEngine(fake.engine);
    await store.getState().stopRun();
    expect(store.getState().notice?.message).toBe('No run is in progress');
    await store.getState().startRun();
    fake.send({ runId: 'r1', at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: [] });
    await store.getState().stopRun();
    expect(fake.cancelled).toEqual(['r1']);
  });

  it('asks for an engine when there is none', async () => {
    const store = storeWithNodes();
    expect(await store.getState().startRun()).toBeNull();
    expect(store.getState().notice?.message).toMatch(/not connected to an engine/);
  });
});
