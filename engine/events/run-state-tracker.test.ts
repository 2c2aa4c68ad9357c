// The run state tracker: a reconnecting client gets each run's node states, progress, metrics and recent logs.
import { expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { RunStateTracker } from './run-state-tracker.ts';

const at = '2025-01-01T00:00:00.000Z';
const started = (runId: string): RunEvent => ({ type: 'run.started', runId, at, pipelineName: 'demo', targets: ['b'], nodes: ['a', 'b'] });

it('folds events into a snapshot of the run', () => {
  const tracker = new RunStateTracker({ logLinesKeptPerNode: 2 });
  tracker.apply(started('r1'));
  tracker.apply({ type: 'node.state', runId: 'r1', at, node: 'a', state: 'cached', cached: true, reason: 'config and inputs unchanged' });
  tracker.apply({ type: 'node.state', runId: 'r1', at, node: 'b', state: 'running', reason: 'no cached artifact' });
  tracker.apply({ type: 'node.progress', runId: 'r1', at, node: 'b', fraction: 0.25, metrics: { loss: 3 } });
  tracker.apply({ type: 'node.progress', runId: 'r1', at, node: 'b', fraction: 0.5, metrics: { valLoss: 2.5 } });
  for (const line of ['one', 'two', 'three']) tracker.apply({ type: 'node.log', runId: 'r1', at, node: 'b', level: 'info', line });

  const snapshot = tracker.snapshot('r1')!;
  expect(snapshot.status).toBe('running');
  expect(snapshot.nodes.a).toMatchObject({ state: 'cached', cached: true, reason: 'config and inputs unchanged' });
  expect(snapshot.nodes.b).toMatchObject({ state: 'running', progress: { fraction: 0.5 }, metrics: { loss: 3, valLoss: 2.5 } });
  expect(snapshot.nodes.b!.recentLogs.map((l) => l.line)).toEqual(['two', 'three']);
  expect(tracker.active().map((r) => r.runId)).toEqual(['r1']);

  expect(snapshot.nodes.b!.progress).toEqual({ fraction: 0.5 });

  snapshot.nodes.b!.state = 'failed';
  expect(tracker.snapshot('r1')!.nodes.b!.state).toBe('running');
});

it('marks finished runs and keeps only the most recent ones', () => {
  const tracker = new RunStateTracker({ finishedRunsKept: 2 });
  for (const runId of ['r1', 'r2', 'r3']) {
    tracker.apply(started(runId));
    tracker.apply({ type: 'run.finished', runId, at, status: 'succeeded', nodes: { b: { state: 'succeeded', cached: false, metrics: { loss: 1 } } } });
  }
  tracker.apply(started('r4'));
  expect(tracker.list().map((r) => [r.runId, r.status])).toEqual([['r2', 'succeeded'], ['r3', 'succeeded'], ['r4', 'running']]);
  expect(tracker.snapshot('r3')!.nodes.b).toMatchObject({ state: 'succeeded', metrics: { loss: 1 } });
  expect(tracker.active().map((r) => r.runId)).toEqual(['r4']);
  tracker.apply({ type: 'node.log', runId: 'unknown', at, node: 'x', level: 'info', line: 'ignored' });
  expect(tracker.snapshot('unknown')).toBeUndefined();
});

it('hands out the state the shared fold gives: a restarted node has no stale error, a finished one its artifact', () => {
  const tracker = new RunStateTracker();
  tracker.apply(started('r1'));
  tracker.apply({ type: 'node.state', runId: 'r1', at, node: 'b', state: 'failed', error: { message: 'out of memory' } });
  tracker.apply({ type: 'node.state', runId: 'r1', at, node: 'b', state: 'running' });
  expect(tracker.snapshot('r1')!.nodes.b!.error).toBeUndefined();
  const artifact = { key: 'k', port: 'model', type: 'Model', path: '/data/k', bytes: 1, createdAt: at };
  tracker.apply({ type: 'node.state', runId: 'r1', at, node: 'b', state: 'succeeded', artifacts: { model: artifact } });
  expect(tracker.snapshot('r1')!.nodes.b).toMatchObject({ state: 'succeeded', artifact: '/data/k', progress: { fraction: 1 } });
});
