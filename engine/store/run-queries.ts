// Reads runs back out of the store: paged summaries, one run in full (nodes, metric series), and its logs.
// Rows are mapped to the JSON-safe shapes in run-store-types.ts; absent columns become absent fields.
import type { Pipeline } from '../../app/pipeline/schema.ts';
import { NODE_STATES, type NodeState, type RunStatus } from '../../app/protocol/run-events.ts';
import type { SqliteDatabase } from './database.ts';
import { pageBounds } from './page-bounds.ts';
import type { LogEntry, LogQuery, PageQuery, RunMetricSeries, RunSummary, StoredNode, StoredRun } from './run-store-types.ts';

const RUN_PAGE_LIMITS = { defaultLimit: 50, maxLimit: 1_000 };
const LOG_PAGE_LIMITS = { defaultLimit: 1_000, maxLimit: 10_000 };

interface RunRow {
  id: string;
  pipeline_name: string;
  pipeline_json: string;
  pipeline_path: string | null;
  targets_json: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
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

  getRun(runId: string): StoredRun | null {
    const row = this.statements.runById.get(runId) as RunRow | undefined;
    if (row === undefined) return null;
    const nodeRows = this.statements.nodesOfRun.all(runId) as NodeRow[];
    const nodes: Record<string, StoredNode> = {};
    for (const nodeRow of nodeRows) nodes[nodeRow.node_id] = storedNodeOf(nodeRow);
    return {
      run: summaryOf(row, this.nodeCountsFor([runId]).get(runId)),
      pipeline: JSON.parse(row.pipeline_json) as Pipeline,
      nodes,
      metrics: this.metricSeriesOf(runId),
    };
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

  private metricSeriesOf(runId: string): RunMetricSeries {
    const series: RunMetricSeries = {};
    for (const row of this.statements.metricsOfRun.iterate(runId) as Iterable<MetricRow>) {
      const byName = (series[row.node_id] ??= {});
      (byName[row.name] ??= []).push({ step: row.step, value: row.value, at: row.at });
    }
    return series;
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
    metricsOfRun: db.prepare('SELECT node_id, name, step, value, at FROM metric_points WHERE run_id = ? ORDER BY id'),
    logsOfRun: db.prepare(`SELECT ${logColumns} FROM log_lines WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
    logsOfNode: db.prepare(
      `SELECT ${logColumns} FROM log_lines WHERE run_id = ? AND node_id = ? AND id > ? ORDER BY id LIMIT ?`,
    ),
  };
}
