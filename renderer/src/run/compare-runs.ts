// What the Compare tab shows for the runs picked in the runs table: one metric's curves of every run overlaid, the
// config fields whose values differ between the runs' pipelines, and each node's final metrics side by side. Pure:
// it reads the runs' stored details (the pipeline each run ran and its metric points).
import type { RunDetail } from '../../../app/protocol/engine-api.ts';
import type { ChartSeries } from './chart-data.ts';

/** A short name for a run in labels and column heads: its start time to the second (ids carry it) or the id's tail. */
export function runLabel(runId: string): string {
  const stamp = /^run-(\d{8})T(\d{2})(\d{2})(\d{2})-([0-9a-f]+)$/.exec(runId);
  return stamp ? `${stamp[2]}:${stamp[3]}:${stamp[4]} ${stamp[5]!.slice(0, 4)}` : runId.slice(-10);
}

/**
 * One line per run and node that reported `metric`; with `node`, only nodes whose id contains it (any case), to follow
 * one node over time. A
 * distilling node draws its CE part on the loss chart, as the Charts tab does, since its mixed loss does not compare.
 */
export function overlaySeries(details: readonly RunDetail[], metric: string, node?: string): ChartSeries[] {
  return details.flatMap((detail) =>
    Object.entries(detail.metrics)
      .filter(([nodeId]) => node === undefined || nodeId.toLowerCase().includes(node.toLowerCase()))
      .flatMap(([nodeId, byName]) => {
        const name = metric === 'loss' && byName.ceLoss?.length ? 'ceLoss' : metric;
        const points = byName[name] ?? [];
        if (points.length === 0) return [];
        const label = `${runLabel(detail.run.id)} ${nodeId}${name === metric ? '' : ' CE'}`;
        return [{ label, steps: points.map((point) => point.step), values: points.map((point) => point.value) }];
      }),
  );
}

/** The metric names the runs reported, for the chart's choices. */
export function reportedMetrics(details: readonly RunDetail[]): string[] {
  const names = new Set(details.flatMap((detail) => Object.values(detail.metrics).flatMap((byName) => Object.keys(byName))));
  return [...names].sort((a, b) => a.localeCompare(b));
}

export interface ConfigRow {
  /** `node.field.sub`, or `node (type)` for the node's type. */
  path: string;
  /** One value per run as it reads in the file (JSON), or null where the run's pipeline has no such node or field. */
  values: (string | null)[];
  differs: boolean;
}

/** Every node's config field across the runs, rows in node and field order; `differs` marks values that are not all equal. */
export function configRows(details: readonly RunDetail[]): ConfigRow[] {
  const flat = details.map(flatConfigOf);
  const paths = new Set(flat.flatMap((one) => [...one.keys()]));
  return [...paths].map((path) => {
    const values = flat.map((one) => one.get(path) ?? null);
    return { path, values, differs: new Set(values).size > 1 };
  });
}

export function configDifferences(details: readonly RunDetail[]): ConfigRow[] {
  return configRows(details).filter((row) => row.differs);
}

function flatConfigOf(detail: RunDetail): Map<string, string> {
  const flat = new Map<string, string>();
  for (const node of detail.pipeline.nodes) {
    flat.set(`${node.id} (type)`, node.type);
    flatten(node.config, node.id, flat);
  }
  return flat;
}

function flatten(value: unknown, path: string, into: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, `${path}.${key}`, into);
    return;
  }
  into.set(path, JSON.stringify(value));
}

export interface MetricRow {
  node: string;
  metric: string;
  /** The metric's last value in each run, null where the run has none. */
  values: (number | null)[];
  /** The run with the best value (lowest for losses, highest for throughput), or null when fewer than two runs have one. */
  best: number | null;
}

const HIGHER_IS_BETTER = new Set(['tokensPerSec']);
const LOWER_IS_BETTER = /loss|perplexity|bits/i;

/** Each node's final metrics (as the engine keeps the last value of each), one column per run. */
export function finalMetricRows(details: readonly RunDetail[]): MetricRow[] {
  // A key seen again keeps its first place.
  const keys = new Map<string, [node: string, metric: string]>();
  for (const detail of details) for (const [node, state] of Object.entries(detail.nodes)) for (const metric of Object.keys(state.metrics)) keys.set(`${node}\0${metric}`, [node, metric]);
  return [...keys.values()].map(([node, metric]) => {
    const values = details.map((detail) => detail.nodes[node]?.metrics[metric] ?? null);
    return { node, metric, values, best: bestOf(metric, values) };
  });
}

function bestOf(metric: string, values: readonly (number | null)[]): number | null {
  const higher = HIGHER_IS_BETTER.has(metric);
  if (!higher && !LOWER_IS_BETTER.test(metric)) return null;
  const present = values.flatMap((value, index) => (value === null || !Number.isFinite(value) ? [] : [{ value, index }]));
  if (present.length < 2) return null;
  return present.reduce((best, entry) => ((higher ? entry.value > best.value : entry.value < best.value) ? entry : best)).index;
}
