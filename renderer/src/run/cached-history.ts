// A node served from the cache did its work in an earlier run: its charts and logs are that run's. Each cached
// output names the run and node that made it (ArtifactSummary.madeBy); these pure helpers find those runs and lay
// their series and log lines over the shown run, under the cached node's own id.
import type { RunView } from './run-view.ts';

export interface CacheSource {
  /** The cached node in the shown run. */
  nodeId: string;
  /** The run and node that made its outputs. */
  runId: string;
  madeByNode: string;
}

/** The cached nodes of `run` whose outputs another run made, with that run. */
export function cacheSourcesOf(run: RunView): CacheSource[] {
  const sources: CacheSource[] = [];
  for (const [nodeId, node] of Object.entries(run.nodes)) {
    if (node.state !== 'cached') continue;
    const madeBy = Object.values(node.artifacts ?? {}).find((artifact) => artifact.madeBy)?.madeBy;
    if (madeBy && madeBy.runId !== run.runId) sources.push({ nodeId, runId: madeBy.runId, madeByNode: madeBy.nodeId });
  }
  return sources;
}

/** `run` with each cached node's series and logs taken from the run that made it, where that run is loaded. */
export function withCachedHistory(run: RunView, runs: Readonly<Record<string, RunView>>): RunView {
  const sources = cacheSourcesOf(run);
  if (sources.length === 0) return run;
  const series = { ...run.series };
  const logs = { ...run.logs };
  for (const source of sources) {
    const maker = runs[source.runId];
    if (!maker) continue;
    const madeSeries = maker.series[source.madeByNode];
    const madeLogs = maker.logs[source.madeByNode];
    if (madeSeries && !series[source.nodeId]) series[source.nodeId] = madeSeries;
    if (madeLogs?.length) logs[source.nodeId] = [...madeLogs, ...(run.logs[source.nodeId] ?? [])];
  }
  return { ...run, series, logs };
}
