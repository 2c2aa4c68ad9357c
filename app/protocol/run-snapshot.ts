// The state of a run as an event stream's first message carries it: what a client that (re)connects needs at once,
// without replaying every event. The engine's tracker builds it; the studio folds events onto it.
import type { ArtifactSummary, LogLevel, NodeFailure, NodeProgress, NodeState, RunStatus } from './run-events.ts';

export interface NodeSnapshot {
  state: NodeState;
  cached?: boolean;
  reason?: string;
  /** The node's latest progress report. */
  progress?: NodeProgress;
  /** Latest value of every metric the node reported. */
  metrics: Record<string, number>;
  /** Folder of the first output artifact, once the run finished. */
  artifact?: string;
  artifacts?: Record<string, ArtifactSummary>;
  error?: NodeFailure;
  durationMs?: number;
  recentLogs: { level: LogLevel; line: string; at: string }[];
}

export interface RunSnapshot {
  runId: string;
  pipelineName: string;
  targets: string[];
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  nodes: Record<string, NodeSnapshot>;
}

