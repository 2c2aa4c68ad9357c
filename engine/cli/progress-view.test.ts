import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { formatDuration, ProgressView } from './progress-view.ts';

const at = '2026-01-01T00:00:00.000Z';
const runId = 'r1';

describe('ProgressView', () => {
  it('shows each node state with its reason, bar, ETA and metrics', () => {
    const view = new ProgressView();
    const events: RunEvent[] = [
      { type: 'run.started', runId, at, pipelineName: 'p', targets: [], nodes: ['data', 'train', 'eval'] },
      { type: 'node.state', runId, at, node: 'data', state: 'cached', cached: true, reason: 'config and inputs unchanged' },
      { type: 'node.state', runId, at, node: 'train', state: 'running', reason: 'config field maxSteps changed' },
      { type: 'node.progress', runId, at, node: 'train', fraction: 0.5, etaMs: 90_000, metrics: { loss: 1.23456, tokensPerSec: 5000 } },
      { type: 'node.state', runId, at, node: 'eval', state: 'failed', error: { message: 'boom' } },
    ];
    const changes = events.map((e) => view.apply(e));
    expect(changes).toEqual([false, true, true, false, true]);
    expect(view.lines(200)).toEqual([
      '● data  cached    config and inputs unchanged',
      '▸ train running   [██████████░░░░░░░░░░]   50%  ETA 1m30s  loss 1.2346  tokensPerSec 5000',
      '✗ eval  failed    boom',
    ]);
  });

  it('shows a failed node that restarts without its old error, and counts only state changes', () => {
    const view = new ProgressView();
    const events: RunEvent[] = [
      { type: 'run.started', runId, at, pipelineName: 'p', targets: [], nodes: ['train'] },
      { type: 'node.state', runId, at, node: 'train', state: 'failed', error: { message: 'out of memory' } },
      { type: 'node.state', runId, at, node: 'train', state: 'running', reason: 'retry' },
      { type: 'node.state', runId, at, node: 'train', state: 'running', reason: 'retry' },
      { type: 'node.state', runId: 'other', at, node: 'train', state: 'failed' },
    ];
    expect(events.map((e) => view.apply(e))).toEqual([false, true, true, false, false]);
    expect(view.lineFor('train', 200)).toBe('▸ train running   [░░░░░░░░░░░░░░░░░░░░]');
  });

  it('keeps the run’s order of nodes, numeric ids included', () => {
    const view = new ProgressView();
    view.apply({ type: 'run.started', runId, at, pipelineName: 'p', targets: [], nodes: ['data', '2', '1'] });
    expect(view.lines(200).map((line) => line.split(/\s+/)[1])).toEqual(['data', '2', '1']);
  });

  it('formats durations', () => {
    expect([formatDuration(1500), formatDuration(42_000), formatDuration(3_725_000)]).toEqual(['1.5s', '42s', '1h02m']);
  });
});
