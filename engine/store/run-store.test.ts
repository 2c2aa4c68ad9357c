// Tests for the run store: every event type round-trips, metric series and log caps, listings, crash recovery,
// batching, and events that must not break the store (unknown runs, bad items).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyPipeline, type Pipeline } from '../../app/pipeline/schema.ts';
import type { ArtifactSummary, RunEvent, ServiceInfo } from '../../app/protocol/run-events.ts';
import { MAX_POINTS_PER_SERIES } from './run-queries.ts';
import { RunStore, type RunStoreOptions } from './run-store.ts';

let tempDir: string;
let dbFile: string;
const openStores: RunStore[] = [];

beforeEach(() => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-store-'));
  dbFile = path.join(tempDir, 'crucible.db');
});
afterEach(() => {
  for (const store of openStores.splice(0)) store.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
});

function openStore(options: RunStoreOptions = {}): RunStore {
  const store = RunStore.open({ file: dbFile }, { flushIntervalMs: 60_000, ...options });
  openStores.push(store);
  return store;
}

/** ISO time `seconds` after a fixed origin, so orderings in tests are explicit. */
function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, seconds)).toISOString();
}

function pipelineNamed(name: string): Pipeline {
  const pipeline = emptyPipeline(name);
  pipeline.nodes.push(
    { id: 'data', type: 'dataset', typeVersion: 1, config: { path: 'tiny.txt' } },
    { id: 'train', type: 'pretrain', typeVersion: 1, config: { steps: 10 } },
  );
  pipeline.edges.push({ id: 'e1', from: { node: 'data', port: 'text' }, to: { node: 'train', port: 'text' } });
  return pipeline;
}

function startRun(store: RunStore, runId: string, startedAtSeconds = 0, nodes = ['data', 'train']): void {
  const pipelineName = `pipeline of ${runId}`;
  const startedAt = at(startedAtSeconds);
  store.createRun({ runId, pipeline: pipelineNamed(pipelineName), pipelinePath: null, targets: ['train'], startedAt });
  store.record({ type: 'run.started', runId, at: startedAt, pipelineName, targets: ['train'], nodes });
}

function artifact(key: string, createdAtSeconds: number): ArtifactSummary {
  return { key, port: 'model', type: 'model', path: `/data/artifacts/${key}`, bytes: 1024, createdAt: at(createdAtSeconds) };
}

function service(id: string, runId: string, status: ServiceInfo['status'], startedAtSeconds: number): ServiceInfo {
  const startedAt = at(startedAtSeconds);
  return { id, runId, node: 'serve', kind: 'api-endpoint', name: `endpoint ${id}`, url: 'http://127.0.0.1:8080', startedAt, status, details: { port: 8080 } };
}

type ProgressFields = Omit<Extract<RunEvent, { type: 'node.progress' }>, 'type' | 'runId' | 'node' | 'at'>;

function progress(runId: string, node: string, seconds: number, fields: ProgressFields): RunEvent {
  return { type: 'node.progress', runId, node, at: at(seconds), ...fields };
}

function logLine(runId: string, node: string, line: string, seconds = 1): RunEvent {
  return { type: 'node.log', runId, node, at: at(seconds), level: 'info', line };
}

describe('RunStore runs and node states', () => {
  it('keeps the pipeline snapshot and the run summary', () => {
    const store = openStore();
    const pipeline = pipelineNamed('tiny shakespeare');
    store.createRun({ runId: 'r1', pipeline, pipelinePath: '/home/me/tiny.crucible.json', targets: ['train'], startedAt: at(5) });
    pipeline.nodes.pop();

    const stored = store.getRun('r1');
    expect(stored?.pipeline).toEqual(pipelineNamed('tiny shakespeare'));
    expect(stored?.run).toEqual({
      id: 'r1',
      pipelineName: 'tiny shakespeare',
      pipelinePath: '/home/me/tiny.crucible.json',
      status: 'running',
      targets: ['train'],
      startedAt: at(5),
      finishedAt: null,
      nodeCounts: { pending: 0, running: 0, cached: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 },
    });
    expect(store.getRun('nope')).toBeNull();
  });

  it('refuses a second run with the same id', () => {
    const store = openStore();
    startRun(store, 'r1');
    expect(() => startRun(store, 'r1')).toThrow(/a run with id "r1" already exists/);
  });

  it('run.started adds every node as pending', () => {
    const store = openStore();
    startRun(store, 'r1', 0, ['data', 'tok', 'train']);
    const stored = store.getRun('r1');
    expect(Object.keys(stored?.nodes ?? {}).sort()).toEqual(['data', 'tok', 'train']);
    expect(stored?.run.nodeCounts.pending).toBe(3);
  });

  it('node.state keeps state, cached, reason, error, duration and artifacts, and earlier fields survive', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record({ type: 'node.state', runId: 'r1', node: 'data', at: at(1), state: 'cached', cached: true, reason: 'no changes', artifacts: { text: artifact('a1', 1) } });
    store.record({ type: 'node.state', runId: 'r1', node: 'train', at: at(2), state: 'running', reason: 'config field steps changed' });
    store.record({ type: 'node.state', runId: 'r1', node: 'train', at: at(9), state: 'failed', durationMs: 7000, error: { message: 'out of memory', cause: 'RangeError: at alloc' } });

    const nodes = store.getRun('r1')?.nodes;
    expect(nodes?.data).toEqual({ state: 'cached', cached: true, reason: 'no changes', artifacts: { text: artifact('a1', 1) }, metrics: {} });
    expect(nodes?.train).toEqual({
      state: 'failed',
      cached: false,
      reason: 'config field steps changed',
      error: { message: 'out of memory', cause: 'RangeError: at alloc' },
      durationMs: 7000,
      artifacts: {},
      metrics: {},
    });
    expect(store.getRun('r1')?.run.nodeCounts).toMatchObject({ cached: 1, failed: 1, pending: 0 });
  });

  it('run.finished sets status and finish time and applies the node summaries', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(progress('r1', 'train', 3, { metrics: { loss: 2.5, lr: 0.001 } }));
    store.record({
      type: 'run.finished',
      runId: 'r1',
      at: at(20),
      status: 'succeeded',
      nodes: {
        data: { state: 'succeeded', cached: false, metrics: {}, durationMs: 100 },
        train: { state: 'succeeded', cached: false, metrics: { loss: 1.5, tokensPerSecond: 900 }, durationMs: 19_000, artifacts: { model: artifact('m1', 20) } },
      },
    });

    const stored = store.getRun('r1');
    expect(stored?.run.status).toBe('succeeded');
    expect(stored?.run.finishedAt).toBe(at(20));
    expect(stored?.run.nodeCounts.succeeded).toBe(2);
    expect(stored?.nodes.train).toMatchObject({ state: 'succeeded', durationMs: 19_000, artifacts: { model: artifact('m1', 20) } });
    expect(stored?.nodes.train?.metrics).toEqual({ loss: 1.5, lr: 0.001, tokensPerSecond: 900 });
  });
});

describe('RunStore progress and metric series', () => {
  it('keeps the last fraction, message and ETA, and merges last metric values', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(progress('r1', 'train', 1, { fraction: 0.1, message: 'step 1/10', etaMs: 9000, metrics: { loss: 4 } }));
    store.record(progress('r1', 'train', 2, { fraction: 0.2, metrics: { valLoss: 4.2 } }));

    const train = store.getRun('r1')?.nodes.train;
    expect(train?.progress).toEqual({ fraction: 0.2, message: 'step 1/10', etaMs: 9000, at: at(2) });
    expect(train?.metrics).toEqual({ loss: 4, valLoss: 4.2 });
  });

  it('stores one point per metric, using the event step or counting up per node and metric', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(progress('r1', 'train', 1, { step: 10, metrics: { loss: 3, lr: 0.1 } }));
    store.record(progress('r1', 'train', 2, { step: 20, metrics: { loss: 2.5 } }));
    store.record(progress('r1', 'train', 3, { metrics: { loss: 2 } }));
    store.record(progress('r1', 'data', 4, { metrics: { docs: 5 } }));
    store.record(progress('r1', 'data', 5, { metrics: { docs: 9 } }));

    expect(store.getRun('r1')?.metrics).toEqual({
      train: {
        loss: [
          { step: 10, value: 3, at: at(1) },
          { step: 20, value: 2.5, at: at(2) },
          { step: 21, value: 2, at: at(3) },
        ],
        lr: [{ step: 10, value: 0.1, at: at(1) }],
      },
      data: {
        docs: [
          { step: 0, value: 5, at: at(4) },
          { step: 1, value: 9, at: at(5) },
        ],
      },
    });
  });

  it('leaves non-finite metric values out instead of storing nulls', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(progress('r1', 'train', 1, { metrics: { loss: Number.NaN, lr: 0.5 } }));
    const stored = store.getRun('r1');
    expect(stored?.metrics.train).toEqual({ lr: [{ step: 0, value: 0.5, at: at(1) }] });
    expect(stored?.nodes.train?.metrics).toEqual({ lr: 0.5 });
  });
});

describe('RunStore logs', () => {
  it('returns lines in order, per node, after an id and up to a limit', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(logLine('r1', 'data', 'reading'));
    store.record({ type: 'node.log', runId: 'r1', node: 'train', at: at(2), level: 'warn', line: 'lr is high' });
    store.record(logLine('r1', 'data', 'done'));

    const all = store.logs('r1');
    expect(all.map((entry) => [entry.node, entry.level, entry.line])).toEqual([
      ['data', 'info', 'reading'],
      ['train', 'warn', 'lr is high'],
      ['data', 'info', 'done'],
    ]);
    expect(all[1]?.at).toBe(at(2));
    expect(store.logs('r1', { node: 'data' }).map((entry) => entry.line)).toEqual(['reading', 'done']);
    expect(store.logs('r1', { afterId: all[0]?.id }).map((entry) => entry.line)).toEqual(['lr is high', 'done']);
    expect(store.logs('r1', { limit: 1 }).map((entry) => entry.line)).toEqual(['reading']);
    expect(store.logs('other')).toEqual([]);
  });

  it('keeps the first lines of each node per run and counts the rest in one marker line', () => {
    const store = openStore({ maxLogLinesPerNode: 5 });
    startRun(store, 'r1');
    startRun(store, 'r2');
    for (let index = 1; index <= 12; index++) store.record(logLine('r1', 'train', `line ${index}`, index));
    store.record(logLine('r1', 'data', 'data line'));
    store.record(logLine('r2', 'train', 'other run'));

    const trainLines = store.logs('r1', { node: 'train' });
    expect(trainLines.map((entry) => entry.line)).toEqual([
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
      '7 more lines dropped: the store keeps the first 5 lines of each node per run',
    ]);
    expect(trainLines[5]).toMatchObject({ level: 'warn', at: at(12) });
    expect(store.logs('r1', { node: 'data' }).map((entry) => entry.line)).toEqual(['data line']);
    expect(store.logs('r2').map((entry) => entry.line)).toEqual(['other run']);
  });

  it('cuts over-long lines', () => {
    const store = openStore({ maxLogLineChars: 10 });
    startRun(store, 'r1');
    store.record(logLine('r1', 'data', 'x'.repeat(50)));
    expect(store.logs('r1')[0]?.line).toBe(`${'x'.repeat(10)}… (line cut)`);
  });
});

describe('RunStore services and artifacts', () => {
  it('service.started and upsertService keep one row per service, filterable by status', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record({ type: 'service.started', runId: 'r1', at: at(3), node: 'serve', service: service('s1', 'r1', 'running', 3) });
    store.record({ type: 'service.started', runId: 'r1', at: at(4), node: 'serve', service: service('s2', 'r1', 'running', 4) });
    store.upsertService({ ...service('s1', 'r1', 'stopped', 3), url: undefined, details: undefined });

    expect(store.listServices().map((info) => info.id)).toEqual(['s2', 's1']);
    expect(store.listServices({ status: 'running' })).toEqual([service('s2', 'r1', 'running', 4)]);
    expect(store.listServices({ status: 'stopped' })).toEqual([
      { id: 's1', runId: 'r1', node: 'serve', kind: 'api-endpoint', name: 'endpoint s1', startedAt: at(3), status: 'stopped' },
    ]);
  });

  it('records artifacts by key, newest first, and a repeated key replaces the earlier record', () => {
    const store = openStore();
    store.recordArtifact({ ...artifact('a1', 1), nodeId: 'tok', nodeType: 'tokenizer', runId: 'r1' });
    store.recordArtifact({ ...artifact('a2', 2), nodeId: 'train', nodeType: 'pretrain', runId: 'r1' });
    store.recordArtifact({ ...artifact('a1', 3), nodeId: 'tok', nodeType: 'tokenizer', runId: 'r2' });

    const listed = store.listArtifacts();
    expect(listed).toEqual([
      { ...artifact('a1', 3), nodeId: 'tok', nodeType: 'tokenizer', runId: 'r2' },
      { ...artifact('a2', 2), nodeId: 'train', nodeType: 'pretrain', runId: 'r1' },
    ]);
    expect(store.listArtifacts({ limit: 1 }).map((record) => record.key)).toEqual(['a1']);
  });
});

describe('RunStore.listRuns', () => {
  it('lists newest first with node counts, and pages with limit and offset', () => {
    const store = openStore();
    startRun(store, 'old', 1);
    startRun(store, 'newest', 30, ['a', 'b', 'c']);
    startRun(store, 'middle', 10);
    startRun(store, 'middle-twin', 10);
    store.record({ type: 'node.state', runId: 'newest', node: 'a', at: at(31), state: 'running' });

    const all = store.listRuns();
    expect(all.map((run) => run.id)).toEqual(['newest', 'middle-twin', 'middle', 'old']);
    expect(all[0]?.nodeCounts).toMatchObject({ running: 1, pending: 2 });
    expect(all[0]).toMatchObject({ pipelineName: 'pipeline of newest', targets: ['train'], startedAt: at(30), status: 'running' });
    expect(store.listRuns({ limit: 2 }).map((run) => run.id)).toEqual(['newest', 'middle-twin']);
    expect(store.listRuns({ limit: 2, offset: 2 }).map((run) => run.id)).toEqual(['middle', 'old']);
    expect(store.listRuns({ offset: 4 })).toEqual([]);
  });
});

describe('RunStore.markInterrupted', () => {
  it('turns runs left running by a crashed engine into interrupted ones on the next start', () => {
    const crashed = openStore();
    startRun(crashed, 'done', 0);
    crashed.record({ type: 'run.finished', runId: 'done', at: at(5), status: 'succeeded', nodes: {} });
    startRun(crashed, 'live', 10, ['data', 'tok', 'train']);
    crashed.record({ type: 'node.state', runId: 'live', node: 'data', at: at(11), state: 'succeeded' });
    crashed.record({ type: 'node.state', runId: 'live', node: 'tok', at: at(12), state: 'running' });
    crashed.record(progress('live', 'tok', 14, { fraction: 0.5 }));
    crashed.record({ type: 'service.started', runId: 'live', at: at(13), node: 'serve', service: service('s1', 'live', 'running', 13) });
    crashed.flush();
    // No run.finished and no close(): the process died here.

    const restarted = openStore();
    expect(restarted.markInterrupted()).toBe(1);
    const live = restarted.getRun('live');
    expect(live?.run).toMatchObject({ status: 'interrupted', finishedAt: at(14) });
    expect(live?.nodes.data).toMatchObject({ state: 'succeeded' });
    expect(live?.nodes.tok).toMatchObject({ state: 'cancelled', reason: 'engine stopped' });
    expect(live?.nodes.train).toMatchObject({ state: 'cancelled', reason: 'engine stopped' });
    expect(restarted.getRun('done')?.run).toMatchObject({ status: 'succeeded', finishedAt: at(5) });
    expect(restarted.listServices({ status: 'running' })).toEqual([]);
    expect(restarted.listServices({ status: 'stopped' }).map((info) => info.id)).toEqual(['s1']);
    expect(restarted.markInterrupted()).toBe(0);
  });

  it("leaves the runs and services of another engine process that is still running, and takes them once it is gone", async () => {
    const studio = openStore();
    startRun(studio, 'training', 0, ['train']);
    studio.record({ type: 'node.state', runId: 'training', node: 'train', at: at(1), state: 'running' });
    studio.record({ type: 'service.started', runId: 'training', at: at(2), node: 'serve', service: service('s1', 'training', 'running', 2) });
    studio.flush();
    // The rows belong to another process on this machine, alive while `crucible runs` opens the data directory.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    try {
      const db = new Database(dbFile);
      db.prepare('UPDATE runs SET engine_pid = ?').run(other.pid);
      db.prepare('UPDATE services SET engine_pid = ?').run(other.pid);
      db.close();
      const cli = openStore();
      expect(cli.markInterrupted()).toBe(0);
      expect(cli.getRun('training')?.run.status).toBe('running');
      expect(cli.getRun('training')?.nodes.train).toMatchObject({ state: 'running' });
      expect(cli.listServices({ status: 'running' }).map((info) => info.id)).toEqual(['s1']);
    } finally {
      other.kill('SIGKILL');
      await exited;
    }
    const restarted = openStore();
    expect(restarted.markInterrupted()).toBe(1);
    expect(restarted.getRun('training')?.nodes.train).toMatchObject({ state: 'cancelled', reason: 'engine stopped' });
    expect(restarted.listServices({ status: 'stopped' }).map((info) => info.id)).toEqual(['s1']);
  });

  it('uses the start time when an interrupted run recorded nothing else', () => {
    const crashed = openStore();
    crashed.createRun({ runId: 'quiet', pipeline: pipelineNamed('quiet'), pipelinePath: null, targets: [], startedAt: at(7) });
    const restarted = openStore();
    expect(restarted.markInterrupted()).toBe(1);
    expect(restarted.getRun('quiet')?.run.finishedAt).toBe(at(7));
  });
});

describe('RunStore batching', () => {
  it('holds writes until a flush, then writes them all in order', () => {
    const store = openStore({ maxBatchSize: 100_000 });
    startRun(store, 'r1');
    store.flush();
    const pointCount = MAX_POINTS_PER_SERIES; // the most a series comes back with unthinned, so every point is checked
    for (let step = 0; step < pointCount; step++) store.record(progress('r1', 'train', 1, { step, metrics: { loss: 1 / (step + 1) } }));

    const reader = new Database(dbFile, { readonly: true });
    const countPoints = reader.prepare('SELECT count(*) FROM metric_points').pluck();
    try {
      expect(countPoints.get()).toBe(0);
      store.flush();
      expect(countPoints.get()).toBe(pointCount);
    } finally {
      reader.close();
    }
    const loss = store.getRun('r1')?.metrics.train?.loss ?? [];
    expect(loss).toHaveLength(pointCount);
    expect(loss.every((point, index) => point.step === index && point.value === 1 / (index + 1))).toBe(true);
  });

  it('writes on its own once the flush interval has passed', async () => {
    const store = openStore({ flushIntervalMs: 20 });
    startRun(store, 'r1');
    const reader = new Database(dbFile, { readonly: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(reader.prepare('SELECT count(*) FROM run_nodes').pluck().get()).toBe(2);
    } finally {
      reader.close();
    }
  });

  it('close() writes what is still queued', () => {
    const store = openStore();
    startRun(store, 'r1');
    store.record(logLine('r1', 'data', 'last words'));
    store.close();
    const reopened = openStore();
    expect(reopened.logs('r1').map((entry) => entry.line)).toEqual(['last words']);
    expect(() => store.record(logLine('r1', 'data', 'too late'))).toThrow(/record\(\) was called after close\(\)/);
  });
});

describe('RunStore robustness', () => {
  it('skips events of unknown runs without throwing and keeps the rest of the batch', () => {
    const errors: Error[] = [];
    const store = openStore({ onWriteError: (error) => errors.push(error) });
    startRun(store, 'r1');
    const ghostEvents: RunEvent[] = [
      { type: 'run.started', runId: 'ghost', at: at(1), pipelineName: 'x', targets: [], nodes: ['a'] },
      { type: 'node.state', runId: 'ghost', node: 'a', at: at(1), state: 'running' },
      progress('ghost', 'a', 1, { metrics: { loss: 1 } }),
      logLine('ghost', 'a', 'hello'),
      { type: 'service.started', runId: 'ghost', at: at(1), node: 'a', service: service('ghost-service', 'ghost', 'running', 1) },
      { type: 'run.finished', runId: 'ghost', at: at(2), status: 'failed', nodes: {} },
    ];
    for (const event of ghostEvents) expect(() => store.record(event)).not.toThrow();
    store.record(logLine('r1', 'data', 'real line'));

    expect(() => store.flush()).not.toThrow();
    expect(errors).toEqual([]);
    expect(store.getRun('ghost')).toBeNull();
    expect(store.logs('ghost')).toEqual([]);
    expect(store.listServices()).toEqual([]);
    expect(store.logs('r1').map((entry) => entry.line)).toEqual(['real line']);
  });

  it('reports an item that cannot be written and still writes the others in its batch', () => {
    const errors: Error[] = [];
    const store = openStore({ onWriteError: (error) => errors.push(error) });
    startRun(store, 'r1');
    store.record(logLine('r1', 'data', 'before'));
    store.upsertService({ ...service('bad', 'r1', 'running', 1), details: { size: 1n } });
    store.record(logLine('r1', 'data', 'after'));
    store.flush();

    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/could not write service "bad", so it was skipped: .*BigInt/)]);
    expect(store.logs('r1').map((entry) => entry.line)).toEqual(['before', 'after']);
    expect(store.listServices()).toEqual([]);
  });
});
