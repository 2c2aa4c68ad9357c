// The shapes the run store takes in and hands back: run summaries, stored node states, metric series, logs,
// artifacts. Plain JSON-safe data, so the server can send them as they are.
import type { Pipeline } from '../../app/pipeline/schema.ts';
import type { ArtifactSummary, LogLevel, NodeFailure, NodeState, RunStatus } from '../../app/protocol/run-events.ts';

export interface NewRun {
  runId: string;
  pipeline: Pipeline;
  /** The pipeline file, or null for a pipeline that has not been saved. */
  pipelinePath: string | null;
  targets: string[];
  /** ISO time. */
  startedAt: string;
}

export interface RunSummary {
  id: string;
  pipelineName: string;
  pipelinePath: string | null;
  status: RunStatus;
  targets: string[];
  startedAt: string;
  finishedAt: string | null;
  /** How many of the run's nodes are in each state; every state is present, zero when none. */
  nodeCounts: Record<NodeState, number>;
}

export interface StoredNodeProgress {
  fraction?: number;
  message?: string;
  etaMs?: number;
  /** When the node last reported progress. */
  at: string;
}

export interface StoredNode {
  state: NodeState;
  cached: boolean;
  reason?: string;
  error?: NodeFailure;
  durationMs?: number;
  artifacts: Record<string, ArtifactSummary>;
  progress?: StoredNodeProgress;
  /** The last value of each metric the node reported. */
  metrics: Record<string, number>;
}

export interface MetricPoint {
  step: number;
  value: number;
  at: string;
}

/** nodeId → metric name → points in the order they were recorded. */
export type RunMetricSeries = Record<string, Record<string, MetricPoint[]>>;

export interface StoredRun {
  run: RunSummary;
  /** The pipeline exactly as it was when the run started. */
  pipeline: Pipeline;
  nodes: Record<string, StoredNode>;
  metrics: RunMetricSeries;
}

export interface LogEntry {
  /** Increases with every stored line; pass the last one seen as `afterId` to page on. */
  id: number;
  node: string;
  level: LogLevel;
  line: string;
  at: string;
}

export interface LogQuery {
  node?: string;
  afterId?: number;
  limit?: number;
}

export type ArtifactRecord = ArtifactSummary & { nodeId: string; nodeType: string; runId: string };

export interface PageQuery {
  limit?: number;
  offset?: number;
}
