// Folding the engine's stream into run state: events in order, a fresh snapshot after a reconnect that keeps what
// was already drawn, and a stored run reopened from the history.
import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../app/protocol/engine-api.ts';
import type { RunEvent } from '../../../app/protocol/run-events.ts';
import { applyRunEvent, runViewFromDetail, runViewFromSnapshot, type RunView } from './run-view.ts';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const base = { runId: 'r1' };

function fold(events: RunEvent[]): RunView | undefined {
  return events.reduce<RunView | undefined>((view, event) => applyRunEvent(view, event), undefined);
}

describe('applyRunEvent', () => {
  const started: RunEvent = { ...base, at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: ['tok', 'train'] };

  it('tracks states, progress with ETA, metric series and logs per node', () => {
    const view = fold([
      started,
      { ...base, at: at(1), type: 'node.state', node: 'tok', state: 'cached', cached: true, reason: 'nothing changed since run r0' },
      { ...base, at: at(2), type: 'node.state', node: 'train', state: 'running' },
      { ...base, at: at(3), type: 'node.progress', node: 'train', fraction: 0.25, etaMs: 9000, step: 10, metrics: { loss: 3.1, lr: 0.001 } },
      { ...base, at: at(4), type: 'node.progress', node: 'train', fraction: 0.5, step: 20, metrics: { loss: 2.7 } },
      { ...base, at: at(5), type: 'node.log', node: 'train', level: 'info', line: 'step 20: loss 2.7' },
    ])!;
    expect(view.nodes.tok).toMatchObject({ state: 'cached', cached: true, reason: 'nothing changed since run r0' });
    expect(view.nodes.train).toMatchObject({ state: 'running', fraction: 0.5, etaMs: 9000, startedAt: at(2), metrics: { loss: 2.7, lr: 0.001 } });
    expect(view.series.train).toEqual({ loss: { steps: [10, 20], values: [3.1, 2.7] }, lr: { steps: [10], values: [0.001] } });
    expect(view.logs.train).toEqual([{ level: 'info', line: 'step 20: loss 2.7', at: at(5) }]);
  });

  it('counts steps itself when progress leaves them out, and skips values that are not finite', () => {
    const view = fold([
      started,
      { ...base, at: at(1), type: 'node.progress', node: 'train', metrics: { loss: 4 } },
      { ...base, at: at(2), type: 'node.progress', node: 'train', metrics: { loss: Number.NaN } },
      { ...base, at: at(3), type: 'node.progress', node: 'train', metrics: { loss: 3 } },
    ])!;
    expect(view.series.train!.loss).toEqual({ steps: [1, 2], values: [4, 3] });
  });

  it('takes final states, errors and artifacts from run.finished', () => {
    const view = fold([
      started,
      { ...base, at: at(1), type: 'node.state', node: 'train', state: 'running' },
      {
        ...base,
        at: at(9),
        type: 'run.finished',
        status: 'failed',
        nodes: {
          tok: { state: 'succeeded', cached: false, metrics: {}, durationMs: 100 },
          train: { state: 'failed', cached: false, metrics: { loss: 2 }, error: { message: 'out of memory' } },
        },
      },
    ])!;
    expect(view.status).toBe('failed');
    expect(view.finishedAt).toBe(at(9));
    expect(view.nodes.train).toMatchObject({ state: 'failed', error: { message: 'out of memory' } });
    expect(view.nodes.tok).toMatchObject({ state: 'succeeded', durationMs: 100 });
  });

  it('ignores events of another run', () => {
    const view = fold([started])!;
    expect(applyRunEvent(view, { runId: 'other', at: at(1), type: 'node.state', node: 'tok', state: 'running' })).toBe(view);
  });
});

describe('runViewFromSnapshot', () => {
  it('replaces states but keeps the series and logs already drawn before a reconnect', () => {
    const before = fold([
      { ...base, at: at(0), type: 'run.started', pipelineName: 'p', targets: [], nodes: ['train'] },
      { ...base, at: at(1), type: 'node.progress', node: 'train', step: 1, metrics: { loss: 5 } },
      { ...base, at: at(2), type: 'node.log', node: 'train', level: 'info', line: 'hello' },
    ])!;
    const after = runViewFromSnapshot(
      { runId: 'r1', pipelineName: 'p', targets: [], status: 'running', startedAt: at(0), nodes: { train: { state: 'running', metrics: { loss: 4 }, progress: { fraction: 0.6, etaMs: 500 }, recentLogs: [] } } },
      before,
    );
    expect(after.nodes.train).toMatchObject({ state: 'running', fraction: 0.6, etaMs: 500, metrics: { loss: 4 } });
    expect(after.series).toBe(before.series);
    expect(after.logs.train).toHaveLength(1);
  });
});

describe('runViewFromDetail', () => {
  it('rebuilds charts and per-node logs of a stored run', () => {
    const detail = {
      run: { id: 'r7', pipelineName: 'p', pipelinePath: null, status: 'succeeded', targets: [], startedAt: at(0), finishedAt: at(5), nodeCounts: {} },
      pipeline: {},
      nodes: { train: { state: 'succeeded', cached: false, artifacts: {}, metrics: { loss: 1.9 } } },
      metrics: { train: { loss: [{ step: 1, value: 3, at: at(1) }, { step: 2, value: 1.9, at: at(2) }] } },
    } as unknown as RunDetail;
    const view = runViewFromDetail(detail, [{ id: 1, node: 'train', level: 'warn', line: 'slow disk', at: at(1) }]);
    expect(view).toMatchObject({ runId: 'r7', status: 'succeeded', finishedAt: at(5) });
    expect(view.series.train!.loss).toEqual({ steps: [1, 2], values: [3, 1.9] });
    expect(view.logs.train).toEqual([{ level: 'warn', line: 'slow disk', at: at(1) }]);
  });
});
