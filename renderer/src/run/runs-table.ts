// The runs table of the Compare tab: the engine's run list filtered by pipeline, state and node, and sorted by a
// column. Pure, so the view only holds which filter and sort the user chose. A node filter needs each run's node ids,
// which only a run's detail holds: rows whose detail is not loaded yet are kept out until it arrives.
import type { RunDetail, RunListItem } from '../../../app/protocol/engine-api.ts';
import type { RunStatus } from '../../../app/protocol/run-events.ts';

export type RunSortKey = 'startedAt' | 'pipelineName' | 'status' | 'durationMs';

export interface RunSort {
  key: RunSortKey;
  descending: boolean;
}

export interface RunsFilter {
  /** A pipeline name, or null for every pipeline. */
  pipeline: string | null;
  status: RunStatus | null;
  /** Part of a node id (case-insensitive); empty for every run. */
  node: string;
}

export const NO_FILTER: RunsFilter = { pipeline: null, status: null, node: '' };
export const NEWEST_FIRST: RunSort = { key: 'startedAt', descending: true };

export interface RunsTableRow {
  run: RunListItem;
  /** Wall time from start to finish; null while the run goes on. */
  durationMs: number | null;
}

export function runDurationMs(run: RunListItem): number | null {
  return run.finishedAt === null ? null : Math.max(0, Date.parse(run.finishedAt) - Date.parse(run.startedAt));
}

/** The node ids a run's pipeline has, or null when its detail is not loaded. */
function nodesOf(detail: RunDetail | undefined): string[] | null {
  return detail ? detail.pipeline.nodes.map((node) => node.id) : null;
}

export function runsTableRows(runs: readonly RunListItem[], details: Readonly<Record<string, RunDetail>>, filter: RunsFilter, sort: RunSort): RunsTableRow[] {
  const needle = filter.node.trim().toLowerCase();
  const kept = runs.filter((run) => {
    if (filter.pipeline !== null && run.pipelineName !== filter.pipeline) return false;
    if (filter.status !== null && run.status !== filter.status) return false;
    if (needle === '') return true;
    return nodesOf(details[run.id])?.some((id) => id.toLowerCase().includes(needle)) ?? false;
  });
  const rows = kept.map((run) => ({ run, durationMs: runDurationMs(run) }));
  const direction = sort.descending ? -1 : 1;
  return rows.sort((a, b) => direction * compareBy(sort.key, a, b) || b.run.startedAt.localeCompare(a.run.startedAt));
}

function compareBy(key: RunSortKey, a: RunsTableRow, b: RunsTableRow): number {
  if (key === 'durationMs') return (a.durationMs ?? Infinity) - (b.durationMs ?? Infinity) || 0;
  return String(a.run[key]).localeCompare(String(b.run[key]));
}

/** The pipeline names the runs ran, for the filter's choices. */
export function pipelineNames(runs: readonly RunListItem[]): string[] {
  return [...new Set(runs.map((run) => run.pipelineName))].sort((a, b) => a.localeCompare(b));
}
