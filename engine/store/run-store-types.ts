// The shapes the run store takes in and hands back: run summaries, stored node states, metric series, logs,
// artifacts. Plain JSON-safe data, so the server can send them as they are.
import type { Pipeline } from '../../app/pipeline/schema.ts';
import type { ArtifactListItem, LogLine, MetricPoint, RunDetail, RunListItem, RunNodeDetail } from '../../app/protocol/engine-api.ts';

export interface NewRun {
  runId: string;
  pipeline: Pipeline;
  /** The pipeline file, or null for a pipeline that has not been saved. */
  pipelinePath: string | null;
  targets: string[];
  /** ISO time. */
  startedAt: string;
}

// The store hands back exactly what the engine API serves; the shapes are defined once, in app/protocol.
export type RunSummary = RunListItem;
export type StoredNode = RunNodeDetail;
export type { MetricPoint };
/** nodeId → metric name → points in the order they were recorded, long series thinned (run-queries.ts). */
export type RunMetricSeries = RunDetail['metrics'];
export type StoredRun = RunDetail;
/** One run without its metric series: cheap to read whatever the run's length. */
export interface RunRecord extends Omit<StoredRun, 'metrics' | 'metricsThinned'> {
  /** The engine process that runs (or ran) it; null for runs recorded before engines kept it. */
  enginePid: number | null;
}
export type LogEntry = LogLine;

export interface LogQuery {
  node?: string;
  afterId?: number;
  limit?: number;
}

export type ArtifactRecord = ArtifactListItem;

export interface PageQuery {
  limit?: number;
  offset?: number;
}
