// Reads runs back out of the store: paged summaries, one run with its nodes (cheap: no metric points), one run in
// full (nodes and metric series, each series thinned to a bounded count), and its logs.
// Rows are mapped to the JSON-safe shapes in run-store-types.ts; absent columns become absent fields.
import type { Pipeline } from '../../app/pipeline/schema.ts';
import { NODE_STATES, type NodeState, type RunStatus } from '../../app/protocol/run-events.ts';
import type { SqliteDatabase } from './database.ts';
import { pageBounds } from './page-bounds.ts';
import type { LogEntry, LogQuery, PageQuery, RunMetricSeries, RunRecord, RunSummary, StoredNode, StoredRun } from './run-store-types.ts';

const RUN_PAGE_LIMITS = { defaultLimit: 50, maxLimit: 1_000 };
const LOG_PAGE_LIMITS = { defaultLimit: 1_000, maxLimit: 10_000 };
/**
 * The most points of one metric series a run's detail carries. Training records ~4 progress updates a second, so a
 * day's run holds ~350,000 points per metric: reading them all blocked the engine for seconds and sent 180 MB.
 * Longer series are thinned to evenly spaced points (an even stride through their record order, first and last point
 * always kept), which keeps a chart's shape; the detail names them in `metricsThinned`.
 */
export const MAX_POINTS_PER_SERIES = 2_000;

interface RunRow {
  id: string;
  pipeline_name: string;
  pipeline_json: string;
  pipeline_path: string | null;
  targets_json: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  engine_pid: number | null;
}

interface NodeRow {
  node_id: string;
  state: NodeState;
  cached: number;
  reason: string | null;
  error_message: string | null;
  error_cause: string | null;
  duration_ms: number | null;
  artifacts_json: string | null;
  progress_fraction: number | null;
  progress_message: string | null;
  progress_eta_ms: number | null;
  progress_at: string | null;
  last_metrics_json: string | null;
}

interface MetricRow {
  node_id: string;
  name: string;
  step: number;
  value: number;
  at: string;
}

interface SeriesRow {
  node_id: string;
  name: string;
  first_id: number;
}

export class RunQueries {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = prepareReadStatements(db);
  }

  /** Newest first; runs that started at the same instant keep the order they were created in, newest first. */
  listRuns(query: PageQuery = {}): RunSummary[] {
    const { limit, offset } = pageBounds(query, RUN_PAGE_LIMITS);
    const rows = this.statements.pageOfRuns.all(limit, offset) as RunRow[];
    const counts = this.nodeCountsFor(rows.map((row) => row.id));
    return rows.map((row) => summaryOf(row, counts.get(row.id)));
  }

  /** The run and its nodes' states, without metric points: for callers that check a run exists or find an output. */
  findRun(runId: string): RunRecord | null {
    const row = this.statements.runById.get(runId) as RunRow | undefined;
    if (row === undefined) return null;
    const nodeRows = this.statements.nodesOfRun.all(runId) as NodeRow[];
    const nodes: Record<string, StoredNode> = {};
    for (const nodeRow of nodeRows) nodes[nodeRow.node_id] = storedNodeOf(nodeRow);
    return {
      run: summaryOf(row, this.nodeCountsFor([runId]).get(runId)),
      pipeline: JSON.parse(row.pipeline_json) as Pipeline,
      nodes,
      enginePid: row.engine_pid,
    };
  }

  /** The run with its metric series, each thinned to at most MAX_POINTS_PER_SERIES points (named in metricsThinned). */
  getRun(runId: string): StoredRun | null {
    const found = this.findRun(runId);
    if (found === null) return null;
    const { run, pipeline, nodes } = found;
    const { series, thinned } = this.metricSeriesOf(runId);
    return Object.keys(thinned).length === 0 ? { run, pipeline, nodes, metrics: series } : { run, pipeline, nodes, metrics: series, metricsThinned: thinned };
  }

  /** Log lines in the order they were written, after `afterId`, optionally of one node. */
  logs(runId: string, query: LogQuery = {}): LogEntry[] {
    const { limit } = pageBounds(query, LOG_PAGE_LIMITS);
    const afterId = query.afterId ?? 0;
    const rows =
      query.node === undefined
        ? this.statements.logsOfRun.all(runId, afterId, limit)
        : this.statements.logsOfNode.all(runId, query.node, afterId, limit);
    return rows as LogEntry[];
  }

  /**
   * Each series read with a bounded number of index seeks, so the cost follows the points sent, not the points kept:
   * a day-long run answers in about the time of a short one. Series come in the order they were first recorded.
   */
  private metricSeriesOf(runId: string): { series: RunMetricSeries; thinned: Record<string, string[]> } {
    const series: RunMetricSeries = {};
    const thinned: Record<string, string[]> = {};
    for (const { node_id: node, name } of this.seriesOf(runId)) {
      const key = { runId, node, name, max: MAX_POINTS_PER_SERIES };
      const isLong = (this.statements.pointsUpTo.get(key) as number) > MAX_POINTS_PER_SERIES;
      const rows = (isLong ? this.statements.thinnedPointsOfSeries : this.statements.pointsOfSeries).all(key) as MetricRow[];
      (series[node] ??= {})[name] = rows.map((row) => ({ step: row.step, value: row.value, at: row.at }));
      if (isLong) (thinned[node] ??= []).push(name);
    }
    return { series, thinned };
  }

  /** The run's (node, name) series, each found with one index seek past the one before; in first-recorded order. */
  private seriesOf(runId: string): SeriesRow[] {
    const found: SeriesRow[] = [];
    let next = this.statements.firstSeries.get(runId) as SeriesRow | undefined;
    while (next !== undefined) {
      found.push(next);
      next = this.statements.seriesAfter.get({ runId, node: next.node_id, name: next.name }) as SeriesRow | undefined;
    }
    return found.sort((a, b) => a.first_id - b.first_id);
  }

  private nodeCountsFor(runIds: string[]): Map<string, Record<NodeState, number>> {
    const counts = new Map<string, Record<NodeState, number>>();
    if (runIds.length === 0) return counts;
    const rows = this.statements.nodeCounts.all(JSON.stringify(runIds)) as { run_id: string; state: NodeState; n: number }[];
    for (const row of rows) {
      let perState = counts.get(row.run_id);
      if (perState === undefined) counts.set(row.run_id, (perState = zeroNodeCounts()));
      perState[row.state] = row.n;
    }
    return counts;
  }
}

function zeroNodeCounts(): Record<NodeState, number> {
  return Object.fromEntries(NODE_STATES.map((state) => [state, 0])) as Record<NodeState, number>;
}

function summaryOf(row: RunRow, nodeCounts: Record<NodeState, number> | undefined): RunSummary {
  return {
    id: row.id,
    pipelineName: row.pipeline_name,
    pipelinePath: row.pipeline_path,
    status: row.status,
    targets: JSON.parse(row.targets_json) as string[],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    nodeCounts: nodeCounts ?? zeroNodeCounts(),
  };
}

function storedNodeOf(row: NodeRow): StoredNode {
  const node: StoredNode = {
    state: row.state,
    cached: row.cached !== 0,
    artifacts: row.artifacts_json === null ? {} : JSON.parse(row.artifacts_json),
    metrics: row.last_metrics_json === null ? {} : JSON.parse(row.last_metrics_json),
  };
  if (row.reason !== null) node.reason = row.reason;
  if (row.error_message !== null) {
    node.error = row.error_cause === null ? { message: row.error_message } : { message: row.error_message, cause: row.error_cause };
  }
  if (row.duration_ms !== null) node.durationMs = row.duration_ms;
  if (row.progress_at !== null) {
    node.progress = { at: row.progress_at };
    if (row.progress_fraction !== null) node.progress.fraction = row.progress_fraction;
    if (row.progress_message !== null) node.progress.message = row.progress_message;
    if (row.progress_eta_ms !== null) node.progress.etaMs = row.progress_eta_ms;
  }
  return node;
}

function prepareReadStatements(db: SqliteDatabase) {
  const logColumns = 'id, node_id AS node, level, line, at';
  return {
    pageOfRuns: db.prepare('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?'),
    runById: db.prepare('SELECT * FROM runs WHERE id = ?'),
    nodeCounts: db.prepare(`
      SELECT run_id, state, count(*) AS n FROM run_nodes
      WHERE run_id IN (SELECT value FROM json_each(?))
      GROUP BY run_id, state`),
    nodesOfRun: db.prepare('SELECT * FROM run_nodes WHERE run_id = ? ORDER BY node_id'),
    ...prepareMetricStatements(db),
    logsOfRun: db.prepare(`SELECT ${logColumns} FROM log_lines WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
    logsOfNode: db.prepare(
      `SELECT ${logColumns} FROM log_lines WHERE run_id = ? AND node_id = ? AND id > ? ORDER BY id LIMIT ?`,
    ),
  };
}

/**
 * The metric statements. All of them walk the (run, node, name, id) index, so none reads more rows than it returns
 * (or @max + 1). A long series is thinned to one point per even slice of its record order (ids) from its first to its
 * last point, both kept: @max slices, each answered by one seek to the first point at or after the slice's start. Slices
 * that hold no point of the series (another run wrote in between) lead to the same point, which DISTINCT keeps once.
 */
function prepareMetricStatements(db: SqliteDatabase) {
  const inSeries = 'FROM metric_points INDEXED BY metric_points_by_series WHERE run_id = @runId AND node_id = @node AND name = @name';
  const pointColumns = 'node_id, name, step, value, at';
  return {
    // The first row of a series in index order holds its smallest id.
    firstSeries: db.prepare(`
      SELECT node_id, name, id AS first_id FROM metric_points INDEXED BY metric_points_by_series
      WHERE run_id = ? ORDER BY node_id, name, id LIMIT 1`),
    seriesAfter: db.prepare(`
      SELECT node_id, name, id AS first_id FROM metric_points INDEXED BY metric_points_by_series
      WHERE run_id = @runId AND (node_id, name) > (@node, @name) ORDER BY node_id, name, id LIMIT 1`),
    pointsUpTo: db.prepare(`SELECT count(*) FROM (SELECT 1 ${inSeries} LIMIT @max + 1)`).pluck(),
    pointsOfSeries: db.prepare(`SELECT ${pointColumns} ${inSeries} ORDER BY id`),
    thinnedPointsOfSeries: db.prepare(`
      WITH RECURSIVE
        bounds AS (SELECT min(id) AS lo, max(id) AS hi ${inSeries}),
        slices(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM slices WHERE j + 1 < @max),
        kept AS (
          SELECT DISTINCT (SELECT id ${inSeries} AND id >= lo + (hi - lo) * j / (@max - 1) ORDER BY id LIMIT 1) AS id
          FROM bounds, slices)
      SELECT ${pointColumns} FROM metric_points WHERE id IN (SELECT id FROM kept) ORDER BY id`),
  };
}
