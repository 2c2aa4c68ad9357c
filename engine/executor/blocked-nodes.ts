// Decides the final state of a node that has not begun when it can no longer run: the run was cancelled, or a node
// it depends on failed (then it is skipped, naming the node that actually failed so chains stay readable).
import type { NodeRunSummary } from '../../app/protocol/run-events.ts';

export interface UpstreamState {
  node: string;
  summary: NodeRunSummary;
}

export type BlockedState = { state: 'skipped' | 'cancelled'; reason: string };

export function blockedReason(runCancelled: boolean, upstream: readonly UpstreamState[]): BlockedState | null {
  if (runCancelled) return { state: 'cancelled', reason: 'run cancelled' };
  for (const { node, summary } of upstream) {
    if (summary.state === 'failed') return { state: 'skipped', reason: `upstream "${node}" failed` };
    // A skipped upstream already names the node that failed; pass that reason on.
    if (summary.state === 'skipped') return { state: 'skipped', reason: summary.reason ?? `upstream "${node}" was skipped` };
    if (summary.state === 'cancelled') return { state: 'cancelled', reason: `upstream "${node}" was cancelled` };
  }
  return null;
}
