// The terminal view of a run: one row per node with its state, a progress bar, the ETA and key metrics. The state
// is the shared fold (app/run/run-fold.ts); this file only renders it to lines. run-command.ts decides whether to
// redraw in place (TTY) or print changes.
import type { NodeState, RunEvent } from '../../app/protocol/run-events.ts';
import { KEY_METRICS } from '../../app/run/key-metrics.ts';
import { foldRunEvent, runStateOf, type NodeRunState, type RunState } from '../../app/run/run-fold.ts';

const STATE_MARK: Record<NodeState, string> = {
  pending: '·',
  running: '▸',
  cached: '●',
  succeeded: '✓',
  failed: '✗',
  cancelled: '■',
  skipped: '−',
};

export class ProgressView {
  #run: RunState | undefined;
  /** Rows in the run's order: an object would put ids such as "1" and "2" first. */
  #order: readonly string[] = [];

  /** Folds an event into the view; returns true when a node's state changed (worth a line in plain mode). */
  apply(event: RunEvent): boolean {
    const before = this.#run;
    if (event.type === 'run.started') this.#order = event.nodes;
    this.#run = event.type === 'run.started' ? runStateOf(event) : before && foldRunEvent(before, event);
    return event.type === 'node.state' && before?.nodes[event.node]?.state !== this.#run?.nodes[event.node]?.state;
  }

  lines(width = 100): string[] {
    const nodes = this.#run?.nodes ?? {};
    const ids = [...new Set([...this.#order, ...Object.keys(nodes)])].filter((id) => nodes[id] !== undefined);
    const idWidth = Math.min(24, Math.max(4, ...ids.map((id) => id.length)));
    return ids.map((id) => truncate(lineOf(id, nodes[id]!, idWidth), width));
  }

  lineFor(nodeId: string, width = 100): string {
    const node = this.#run?.nodes[nodeId];
    return node ? truncate(lineOf(nodeId, node, nodeId.length), width) : '';
  }
}

function lineOf(id: string, node: NodeRunState, idWidth: number): string {
  const head = `${STATE_MARK[node.state]} ${id.padEnd(idWidth)} ${node.state.padEnd(9)}`;
  switch (node.state) {
    case 'running': {
      const parts = [bar(node.fraction), node.fraction !== undefined ? `${Math.floor(node.fraction * 100)}%`.padStart(4) : ''];
      if (node.etaMs !== undefined) parts.push(`ETA ${formatDuration(node.etaMs)}`);
      parts.push(...formatMetrics(node.metrics));
      if (node.message) parts.push(node.message);
      return `${head} ${parts.filter(Boolean).join('  ')}`;
    }
    case 'cached':
    case 'skipped':
    case 'cancelled':
      return `${head} ${node.reason ?? ''}`.trimEnd();
    case 'failed':
      return `${head} ${node.error?.message ?? ''}`.trimEnd();
    case 'succeeded': {
      const parts = [node.durationMs !== undefined ? formatDuration(node.durationMs) : '', ...formatMetrics(node.metrics), node.reason ? `(${node.reason})` : ''];
      return `${head} ${parts.filter(Boolean).join('  ')}`.trimEnd();
    }
    default:
      return head.trimEnd();
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
