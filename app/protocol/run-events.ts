// The engine's event protocol: what a run reports as it goes. The engine emits these, the run store persists them,
// the server streams them, and the CLI and the canvas render them. Defined once, here.

export const NODE_STATES = ['pending', 'running', 'cached', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type NodeState = (typeof NODE_STATES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_NODE_STATES: readonly NodeState[] = ['cached', 'succeeded', 'failed', 'cancelled', 'skipped'];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a running node reports. Every field is optional; metrics are numbers keyed by name (`loss`, `valLoss`...). */
export interface NodeProgress {
  /** 0..1 of the node's work. */
  fraction?: number;
  message?: string;
  metrics?: Record<string, number>;
  /** Estimated time left for this node. */
  etaMs?: number;
  /** The x value for metric series (a training step); defaults to a counter. */
  step?: number;
}

/** Where the engine keeps artifacts: `<dataDir>/artifacts/<key>/`, each folder with its `artifact.json` record. */
export const ARTIFACT_STORE_FOLDER = 'artifacts';
export const ARTIFACT_RECORD_FILE = 'artifact.json';

export interface ArtifactSummary {
  key: string;
  port: string;
  type: string;
  /** Absolute folder holding the artifact's files. */
  path: string;
  /** Absolute folder outside the store the artifact was also copied to, as its record's `meta.copiedTo` says (an
   * export's outDir). */
  copiedTo?: string;
  bytes: number;
  createdAt: string;
  /**
   * The run and node that made the artifact. For a node served from the cache it is an earlier run (and the node
   * id in that run's pipeline), whose charts and logs are the node's. Absent in runs stored before it was recorded.
   */
  madeBy?: { runId: string; nodeId: string };
  /**
   * What the producing node says about the artifact for people, as its record's `meta.facts` lists them (the model
   * node: architecture, parameters, context…); the inspector shows them once the node has run or was cached.
   */
  facts?: ArtifactFact[];
}

/** One fact about an artifact: `Parameters  124.4M`, with a note. The same shape as a node spec's facts. */
export interface ArtifactFact {
  label: string;
  value: string;
  note?: string;
}

export interface NodeFailure {
  message: string;
  /** The underlying error's message and stack, for the logs panel. */
  cause?: string;
}

export interface NodeRunSummary {
  state: NodeState;
  cached: boolean;
  /** Why it ran or came from the cache: "config field X changed", "input Y changed", "no cached artifact", "forced". */
  reason?: string;
  /** Folder of the node's first output artifact. */
  artifact?: string;
  artifacts?: Record<string, ArtifactSummary>;
  metrics: Record<string, number>;
  error?: NodeFailure;
  durationMs?: number;
}

export interface ServiceInfo {
  id: string;
  runId: string;
  node: string;
  kind: string;
  name: string;
  url?: string;
  startedAt: string;
  status: 'running' | 'stopped' | 'failed';
  details?: Record<string, unknown>;
}

interface EventBase {
  runId: string;
  /** ISO time the engine emitted it. */
  at: string;
}

export type RunEvent =
  | (EventBase & { type: 'run.started'; pipelineName: string; targets: string[]; nodes: string[] })
  | (EventBase & {
      type: 'node.state';
      node: string;
      state: NodeState;
      cached?: boolean;
      reason?: string;
      artifacts?: Record<string, ArtifactSummary>;
      error?: NodeFailure;
      durationMs?: number;
    })
  | (EventBase & { type: 'node.progress'; node: string } & NodeProgress)
  | (EventBase & { type: 'node.log'; node: string; level: LogLevel; line: string })
  | (EventBase & { type: 'service.started'; node: string; service: ServiceInfo })
  | (EventBase & { type: 'run.finished'; status: RunStatus; nodes: Record<string, NodeRunSummary> });

export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** Engine-wide events that belong to no run. */
export type EngineEvent = { type: 'service.stopped'; at: string; service: ServiceInfo };
