// How run facts read in the UI: durations and ETAs, node states as badges (pending shows as "queued"), metric values.
import type { NodeState } from '../../../app/protocol/run-events.ts';

export { KEY_METRICS } from '../../../app/run/key-metrics.ts';

/** How a metric is named where people read it (node cards, chart titles); others keep their own name. */
const METRIC_LABELS: Record<string, string> = {
  loss: 'train loss',
  valLoss: 'val loss',
  trainLoss: 'train loss at eval',
  lr: 'learning rate',
  tokensPerSec: 'tokens/s',
  gradNorm: 'gradient norm',
  kdLoss: 'KD loss',
  ceLoss: 'CE loss',
  rssMiB: 'memory (RSS, MiB)',
  cpuPercent: 'CPU %',
  gpuMiB: 'GPU memory (MiB)',
};

export function metricLabel(metric: string): string {
  return METRIC_LABELS[metric] ?? metric;
}

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
  const decimals = Number.isInteger(value) ? 0 : magnitude < 1 ? 4 : magnitude < 100 ? 3 : 1;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * An axis tick: as many decimals as the spacing between ticks needs and no more (7.5 next to 7.0 and 8.0, never
 * "7.500"), thousands grouped, exponents only for very small or very large values.
 */
export function formatTick(value: number, incrementBetweenTicks: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.max(Math.abs(value), Math.abs(incrementBetweenTicks));
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(Math.max(0, decimalsFor(incrementBetweenTicks / 10 ** Math.floor(Math.log10(magnitude)))));
  const decimals = decimalsFor(incrementBetweenTicks);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Decimals that tell apart values `increment` apart: 0.25 needs 2, 0.5 needs 1, 5 needs none. */
function decimalsFor(increment: number): number {
  if (!Number.isFinite(increment) || increment <= 0) return 0;
  for (let decimals = 0; decimals < 10; decimals++) {
    const scaled = increment * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return decimals;
  }
  return 10;
}
