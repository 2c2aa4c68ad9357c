// The one snapshot shape event streams start with, whether the run is live (from the tracker) or finished long ago
// (from the run store).
import type { RunSnapshot } from '../events/run-state-tracker.ts';
import type { StoredRun } from '../store/run-store-types.ts';

export function snapshotOfStoredRun(stored: Pick<StoredRun, 'run' | 'nodes'>): RunSnapshot {
  const nodes: RunSnapshot['nodes'] = {};
  for (const [id, node] of Object.entries(stored.nodes)) {
    const firstArtifact = Object.values(node.artifacts)[0];
    nodes[id] = {
      state: node.state,
      cached: node.cached,
      reason: node.reason,
      progress: node.progress ? { fraction: node.progress.fraction, message: node.progress.message, etaMs: node.progress.etaMs } : undefined,
      metrics: node.metrics,
      artifact: firstArtifact?.path,
      artifacts: node.artifacts,
      error: node.error,
      durationMs: node.durationMs,
      recentLogs: [],
    };
  }
  const { run } = stored;
  return { runId: run.id, pipelineName: run.pipelineName, targets: run.targets, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt ?? undefined, nodes };
}
