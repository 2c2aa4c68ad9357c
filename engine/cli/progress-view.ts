// The terminal view of a run: one row per node with its state, a progress bar, the ETA and key metrics.
// Pure state plus rendering to lines; run-command.ts decides whether to redraw in place (TTY) or print changes.
import type { NodeState, RunEvent } from '../../app/protocol/run-events.ts';

interface NodeRow {
  id: string;
  state: NodeState;
  fraction?: number;
  etaMs?: number;
  message?: string;
  reason?: string;
  error?: string;
  metrics: Record<string, number>;
  durationMs?: number;
}

const STATE_MARK: Record<NodeState, string> = {
  pending: '·',
  running: '▸',
  cached: '●',
  succeeded: '✓',
  failed: '✗',
  cancelled: '■',
  skipped: '−',
};

/** Metrics shown in a row, in this order, when a node reports them. */
const KEY_METRICS = ['loss', 'valLoss', 'lr', 'tokensPerSec'];

export class ProgressView {
  readonly #rows = new Map<string, NodeRow>();

  /** Folds an event into the view; returns true when a row's state changed (worth a line in plain mode). */
  apply(event: RunEvent): boolean {
    switch (event.type) {
      case 'run.started':
        for (const id of event.nodes) this.#rows.set(id, { id, state: 'pending', metrics: {} });
        return false;
      case 'node.state': {
        const row = this.#row(event.node);
        const changed = row.state !== event.state;
        row.state = event.state;
        if (event.reason) row.reason = event.reason;
        if (event.error) row.error = event.error.message;
        if (event.durationMs !== undefined) row.durationMs = event.durationMs;
        if (event.state === 'succeeded') row.fraction = 1;
        return changed;
      }
      case 'node.progress': {
        const row = this.#row(event.node);
        if (event.fraction !== undefined) row.fraction = event.fraction;
        if (event.etaMs !== undefined) row.etaMs = event.etaMs;
        if (event.message !== undefined) row.message = event.message;
        Object.assign(row.metrics, event.metrics ?? {});
        return false;
      }
      default:
        return false;
    }
  }

  lines(width = 100): string[] {
    const idWidth = Math.min(24, Math.max(4, ...[...this.#rows.keys()].map((id) => id.length)));
    return [...this.#rows.values()].map((row) => truncate(this.#line(row, idWidth), width));
  }

  lineFor(nodeId: string, width = 100): string {
    const row = this.#rows.get(nodeId);
    return row ? truncate(this.#line(row, nodeId.length), width) : '';
  }

  #row(id: string): NodeRow {
    let row = this.#rows.get(id);
    if (!row) {
      row = { id, state: 'pending', metrics: {} };
      this.#rows.set(id, row);
    }
    return row;
  }

  #line(row: NodeRow, idWidth: number): string {
    const head = `${STATE_MARK[row.state]} ${row.id.padEnd(idWidth)} ${row.state.padEnd(9)}`;
    switch (row.state) {
      case 'running': {
        const parts = [bar(row.fraction), row.fraction !== undefined ? `${Math.floor(row.fraction * 100)}%`.padStart(4) : ''];
        if (row.etaMs !== undefined) parts.push(`ETA ${formatDuration(row.etaMs)}`);
        parts.push(...formatMetrics(row.metrics));
        if (row.message) parts.push(row.message);
        return `${head} ${parts.filter(Boolean).join('  ')}`;
      }
      case 'cached':
      case 'skipped':
      case 'cancelled':
        return `${head} ${row.reason ?? ''}`.trimEnd();
      case 'failed':
        return `${head} ${row.error ?? ''}`.trimEnd();
      case 'succeeded': {
        const parts = [row.durationMs !== undefined ? formatDuration(row.durationMs) : '', ...formatMetrics(row.metrics), row.reason ? `(${row.reason})` : ''];
        return `${head} ${parts.filter(Boolean).join('  ')}`.trimEnd();
      }
      default:
        return head.trimEnd();
    }
  }
}

function bar(fraction: number | undefined, width = 20): string {
  if (fraction === undefined) return `[${'░'.repeat(width)}]`;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function formatMetrics(metrics: Record<string, number>): string[] {
  return KEY_METRICS.filter((name) => metrics[name] !== undefined).map((name) => `${name} ${formatNumber(metrics[name]!)}`);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : value.toFixed(4);
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function truncate(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
