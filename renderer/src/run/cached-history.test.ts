// A cached node's charts and logs are those of the run that made its outputs, under the node's own id; nodes that
// ran in the shown run, and cached nodes whose maker is not loaded yet, keep what they have.
import { describe, expect, it } from 'vitest';
import type { ArtifactSummary } from '../../../app/protocol/run-events.ts';
import { cacheSourcesOf, withCachedHistory } from './cached-history.ts';
import type { RunView } from './run-view.ts';

const at = '2026-01-01T00:00:00.000Z';

function artifact(runId: string, nodeId: string): ArtifactSummary {
  return { key: `k-${runId}-${nodeId}`, port: 'model', type: 'Model', path: '/data/artifacts/k', bytes: 1, createdAt: at, madeBy: { runId, nodeId } };
}

function run(runId: string, nodes: RunView['nodes'], extra: Partial<RunView> = {}): RunView {
  return { runId, pipelineName: 'p', targets: [], status: 'succeeded', startedAt: at, nodes, series: {}, logs: {}, ...extra };
}

const node = (state: 'cached' | 'succeeded', artifacts: Record<string, ArtifactSummary> = {}) => ({ state, cached: state === 'cached', metrics: {}, artifacts });

describe('cached history', () => {
  const maker = run('r1', { trainer: node('succeeded', { model: artifact('r1', 'trainer') }) }, {
    series: { trainer: { loss: { steps: [1, 2], values: [3, 2] } } },
    logs: { trainer: [{ level: 'info', line: 'step 2 loss 2', at }] },
  });
  const later = run('r2', { pretrain: node('cached', { model: artifact('r1', 'trainer') }), evaluate: node('succeeded', { report: artifact('r2', 'evaluate') }) }, { logs: { pretrain: [{ level: 'info', line: 'from the cache', at }] } });

  it('finds the run that made each cached node, and none for nodes that ran here', () => {
    expect(cacheSourcesOf(later)).toEqual([{ nodeId: 'pretrain', runId: 'r1', madeByNode: 'trainer' }]);
    expect(cacheSourcesOf(maker)).toEqual([]);
  });

  it('lays the maker’s series and logs over the cached node, under its own id', () => {
    const shown = withCachedHistory(later, { r1: maker, r2: later });
    expect(shown.series.pretrain).toEqual({ loss: { steps: [1, 2], values: [3, 2] } });
    expect(shown.logs.pretrain!.map((entry) => entry.line)).toEqual(['step 2 loss 2', 'from the cache']);
    expect(shown.series.evaluate).toBeUndefined();
    expect(shown.nodes).toBe(later.nodes);
  });

  it('keeps the run as it is while the maker is not loaded', () => {
    expect(withCachedHistory(later, { r2: later })).toEqual(later);
  });
});
