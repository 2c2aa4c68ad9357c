// A folded node survives the trip through a stream's snapshot, all but the times of its attempt.
import { expect, it } from 'vitest';
import { nodeOfReport, snapshotOfNode } from './node-snapshot.ts';
import type { NodeRunState } from './run-fold.ts';

const artifact = { key: 'k', port: 'model', type: 'Model', path: '/data/k', bytes: 1, createdAt: '2026-01-01T00:00:00.000Z' };

it('writes progress and the first artifact the way a snapshot carries them, and reads them back', () => {
  const node: NodeRunState = { state: 'running', cached: false, reason: 'forced', fraction: 0.5, etaMs: 100, metrics: { loss: 2 }, artifacts: { model: artifact }, startedAt: 'then' };
  const logs = [{ level: 'info' as const, line: 'hi', at: 'then' }];
  const snapshot = snapshotOfNode(node, logs);
  expect(snapshot).toMatchObject({ progress: { fraction: 0.5, etaMs: 100 }, artifact: '/data/k', recentLogs: logs });
  const { startedAt: _startedAt, ...withoutTimes } = node;
  expect(nodeOfReport(snapshot)).toEqual(withoutTimes);
});

it('leaves progress out when the node reported none', () => {
  expect(snapshotOfNode({ state: 'pending', cached: false, metrics: {}, artifacts: {} }, []).progress).toBeUndefined();
});
