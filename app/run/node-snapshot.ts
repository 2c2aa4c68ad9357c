// A folded node to and from the snapshot an event stream starts with: the engine's tracker writes it, the studio
// reads it back (and reads a stored run's nodes, which say the same). Both directions here, so they cannot drift.
import type { NodeSnapshot } from '../protocol/run-snapshot.ts';
import type { NodeRunState } from './run-fold.ts';

/** What a snapshot and a stored run both say about a node. */
export type NodeReport = Pick<NodeSnapshot, 'state' | 'cached' | 'reason' | 'progress' | 'metrics' | 'artifacts' | 'error' | 'durationMs'>;

export function snapshotOfNode(node: NodeRunState, recentLogs: NodeSnapshot['recentLogs']): NodeSnapshot {
  const { state, cached, reason, fraction, message, etaMs, metrics, artifacts, error, durationMs } = node;
  const hasProgress = fraction !== undefined || message !== undefined || etaMs !== undefined;
  return {
    state,
    cached,
    reason,
    progress: hasProgress ? { fraction, message, etaMs } : undefined,
    metrics,
    artifact: Object.values(artifacts)[0]?.path,
    artifacts,
    error,
    durationMs,
    recentLogs,
  };
}

/** The node as a snapshot reports it; the times of its attempt are not in a snapshot. */
export function nodeOfReport(report: NodeReport): NodeRunState {
  return {
    state: report.state,
    cached: report.cached ?? false,
    reason: report.reason,
    fraction: report.progress?.fraction,
    message: report.progress?.message,
    etaMs: report.progress?.etaMs,
    metrics: report.metrics,
    error: report.error,
    durationMs: report.durationMs,
    artifacts: report.artifacts ?? {},
  };
}
