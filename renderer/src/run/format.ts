// How run facts read in the UI: durations and ETAs, node states as badges (pending shows as "queued"), metric values.
import type { NodeState } from '../../../app/protocol/run-events.ts';

export { KEY_METRICS } from '../../../app/run/key-metrics.ts';

export const STATE_LABELS: Record<NodeState, string> = {
  pending: 'queued',
  running: 'running',
  cached: 'cached',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toFixed(magnitude < 1 ? 4 : magnitude < 100 ? 3 : 1);
}
