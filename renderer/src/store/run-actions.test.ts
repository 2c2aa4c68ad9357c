// Running through the engine API with a fake engine: Run and Run to selected send the pipeline and targets, the
// event stream drives node states, a reconnect's snapshot resumes the run and refills its charts and logs, refusals
// show the engine's problems, the engine's checks of where sources point come first, and Stop cancels the shown run.
import { describe, expect, it } from 'vitest';
import type { ValidationProblem } from '../../../app/graph/problems.ts';
import type { RunDetail, StartRunRequest, ValidateRequest } from '../../../app/protocol/engine-api.ts';
import type { RunEvent } from '../../../app/protocol/run-events.ts';
import { EngineRequestError, type EngineApi } from '../api/engine-client.ts';
import { fakeEngineApi } from './testing/fake-engine.ts';
import { selectProblems, selectProblemsByNode } from './selectors.ts';
import { createTestStore } from './testing/test-store.ts';

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

  it('keeps every distinct log line of a millisecond when a reload refills the logs, and drops the ones stored twice', async () => {
    const detail = {
      run: { id: 'r1', status: 'running', pipelineName: 'p', pipelinePath: null, targets: [], startedAt: at(0), finishedAt: null, nodeCounts: {} },
      pipeline: {},
      nodes: {},
      metrics: {},
    } as unknown as RunDetail;
    // The store was read after "step 1" and one "saved" of second 2; the stream's recent lines overlap it and go on
    // within the same millisecond (a second "saved", then "step 2") and past it.
    const stored = [
      { id: 1, node: 'tokenizer', level: 'info' as const, line: 'step 1', at: at(1) },
      { id: 2, node: 'tokenizer', level: 'info' as const, line: 'step 1', at: at(2) },
      { id: 3, node: 'tokenizer', level: 'info' as const, line: 'saved', at: at(2) },
    ];
    const recentLogs = [
      { level: 'info' as const, line: 'step 1', at: at(2) },
      { level: 'info' as const, line: 'saved', at: at(2) },
      { level: 'info' as const, line: 'saved', at: at(2) },
      { level: 'warn' as const, line: 'step 2', at: at(2) },
      { level: 'info' as const, line: 'step 3', at: at(3) },
    ];
    const store = storeWithNodes();
    const fake = fakeEngine({ getRun: async () => detail, runLogs: async () => stored });
    store.getState().attachEngine(fake.engine);
    fake.send({ type: 'snapshot', services: [], runs: [{ runId: 'r1', pipelineName: 'p', targets: [], status: 'running', startedAt: at(0), nodes: { tokenizer: { state: 'running', recentLogs } } }] });
    await settle();
    expect(store.getState().runs.r1!.logs.tokenizer!.map((entry) => [entry.at.slice(17, 19), entry.line])).toEqual([
      ['01', 'step 1'],
      ['02', 'step 1'],
      ['02', 'saved'],
      ['02', 'saved'],
      ['02', 'step 2'],
      ['03', 'step 3'],
    ]);
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

describe('checks on the engine machine', () => {
  const outside: ValidationProblem = { node: 'dataset', field: 'sources.0.path', code: 'source_outside_project', severity: 'warning', message: '"/etc/passwd" is outside the pipeline\'s folder' };
  const secret: ValidationProblem = { node: 'dataset', field: 'sources.0.path', code: 'secret_source', message: '"/proc/self/environ" is in /proc' };
  const fileProblem: ValidationProblem = { node: 'tokenizer', code: 'required_input_missing', message: 'not connected' };

  function checkingEngine(problems: ValidationProblem[]) {
    const asked: ValidateRequest[] = [];
    const fake = fakeEngine({ validate: async (request) => (asked.push(request), { valid: false, problems: [...problems, fileProblem], pipeline: null }) });
    return { ...fake, asked };
  }

  it('refuses to start when the engine finds a secret source, and shows it beside the node', async () => {
    const store = storeWithNodes();
    store.setState({ filePath: '/work/p.crucible.json' });
    const fake = checkingEngine([secret]);
    store.getState().attachEngine(fake.engine);
    expect(await store.getState().startRun()).toBeNull();
    expect(fake.asked).toEqual([{ pipeline: store.getState().doc, pipelinePath: '/work/p.crucible.json' }]);
    expect(fake.started).toEqual([]);
    expect(store.getState().notice?.message).toBe('Cannot start the run: node "dataset": config.sources.0.path: "/proc/self/environ" is in /proc');
    expect(selectProblemsByNode(store.getState()).get('dataset')).toContainEqual(secret);
    // A run that does not need the refused node still starts.
    store.getState().addNode('pretrain');
    expect(await store.getState().startRun(['pretrain'])).toBe('r1');
  });

  it('starts with warnings, says so, and shows them until the document changes', async () => {
    const store = storeWithNodes();
    const fake = checkingEngine([outside]);
    store.getState().attachEngine(fake.engine);
    expect(await store.getState().startRun()).toBe('r1');
    expect(store.getState().notice).toMatchObject({ kind: 'info', message: expect.stringContaining('The run started with 1 warning: warning: node "dataset": config.sources.0.path') });
    // Only the machine's findings come from the engine; the studio's own validate() gives the rest, once.
    expect(selectProblems(store.getState()).filter((problem) => problem.code === 'required_input_missing')).toHaveLength(1);
    expect(selectProblems(store.getState())).toContainEqual(outside);
    store.getState().setNodeTitle('dataset', 'Books');
    expect(selectProblems(store.getState())).not.toContainEqual(outside);
  });

  it('lists a refusal the studio finds itself once, though the engine reports it too', async () => {
    const store = storeWithNodes();
    store.getState().setConfigField('dataset', ['sources'], [{ path: '/proc/self/environ' }]);
    const own = selectProblems(store.getState()).filter((problem) => problem.code === 'secret_source');
    expect(own).toHaveLength(1);
    const fake = checkingEngine(own);
    store.getState().attachEngine(fake.engine);
    expect(await store.getState().startRun()).toBeNull();
    expect(selectProblems(store.getState()).filter((problem) => problem.code === 'secret_source')).toEqual(own);
  });

  it('checks a file when it is opened, and starts anyway when the check cannot be made', async () => {
    const store = storeWithNodes();
    const fake = checkingEngine([outside]);
    store.getState().attachEngine(fake.engine);
    store.getState().openJson(store.getState().doc, 'shared.crucible.json');
    await settle();
    expect(selectProblems(store.getState())).toContainEqual(outside);

    const offline = storeWithNodes();
    const broken = fakeEngine({ validate: () => Promise.reject(new Error('unreachable')) });
    offline.getState().attachEngine(broken.engine);
    expect(await offline.getState().startRun()).toBe('r1');
  });
});
