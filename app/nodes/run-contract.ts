// The contract between the executor and a node's engine-side run: what a run receives and what it returns.
// Types only, so specs, runs and the engine agree without the app layer touching Node APIs.
import type { MachineCheckCode, ProblemSeverity } from '../graph/problems.ts';
import type { LogLevel, NodeProgress } from '../protocol/run-events.ts';
import type { PortType } from './ports.ts';

/** A finished, immutable artifact an input port receives. */
export interface ArtifactHandle {
  key: string;
  type: PortType;
  /** Absolute folder holding the artifact's files. Read only. */
  path: string;
  /** What the producing node recorded about it (e.g. vocab size, stats). */
  meta: Record<string, unknown>;
}

export interface NodeRunContext<Config = Record<string, unknown>, Capabilities = unknown> {
  runId: string;
  nodeId: string;
  /** The parsed config, with defaults applied and paths resolved against the pipeline file's folder. */
  config: Config;
  /** The artifact on a single input port. Throws if the port has none. */
  input(port: string): ArtifactHandle;
  /** Every artifact on a port (several for multi inputs, none for an unconnected optional one). */
  inputs(port: string): ArtifactHandle[];
  /** A fresh folder to write an output port's files into. It becomes the artifact only if the run succeeds. */
  outputDir(port: string): string;
  /** Folder of the pipeline file, or null for a pipeline that has not been saved. */
  pipelineDir: string | null;
  /** The engine's data directory, for node-owned caches (downloads, compiled graphs). */
  dataDir: string;
  /** Aborted on cancel. Long work must check it often and stop within a few seconds. */
  signal: AbortSignal;
  progress(update: NodeProgress): void;
  log(line: string, level?: LogLevel): void;
  /**
   * What the node may ask of the engine (training, tokenizers, serving…). The nodes declare the type
   * (nodes/capabilities.ts); app/ stays free of it, so it is a parameter here.
   */
  capabilities: Capabilities;
}

export interface OutputRecord {
  /** Recorded in the artifact and handed to downstream nodes. */
  meta?: Record<string, unknown>;
}

/** A long-lived thing a node started (a deployment, an API endpoint). The engine tracks and stops it. */
export interface ServiceHandle {
  kind: string;
  name: string;
  url?: string;
  details?: Record<string, unknown>;
  /** Details that change while it runs (a deployment's replicas), read each time the service is listed, over `details`. */
  liveDetails?: () => Record<string, unknown>;
  stop(): Promise<void>;
  /** Resolves if the service ends by itself (crash); the engine marks it failed. */
  exited?: Promise<{ error?: string }>;
}

export interface NodeRunResult {
  /** One entry per output port the node wrote. Every declared output must be present. */
  outputs: Record<string, OutputRecord>;
  /** Final metrics shown in the run summary. */
  metrics?: Record<string, number>;
  service?: ServiceHandle;
}

/** What a fingerprint or check hook sees: enough to look at its sources, nothing to write. */
export interface FingerprintContext<Config = Record<string, unknown>> {
  nodeId: string;
  /** Parsed, with paths resolved as for the run. */
  config: Config;
  pipelineDir: string | null;
  dataDir: string;
  signal: AbortSignal;
}

/** One finding of a check hook, about one config field (dot path, e.g. `sources.0.path`). */
export interface NodeCheckProblem {
  field: string;
  code: MachineCheckCode;
  severity: ProblemSeverity;
  message: string;
}

export interface NodeRunModule<Config = Record<string, unknown>, Capabilities = unknown> {
  type: string;
  run(context: NodeRunContext<Config, Capabilities>): Promise<NodeRunResult>;
  /**
   * Extra input to the cache key beyond config and upstream keys, e.g. the content hash of a dataset's files.
   * A changed fingerprint re-runs the node with the reason "source content changed".
   */
  fingerprint?(context: FingerprintContext<Config>): Promise<string>;
  /**
   * Checks that need this machine (files, folders, where symbolic links lead), beyond the spec's pure checkConfig.
   * `crucible validate` and the engine's validate report them; a run calls it before the fingerprint, fails the node
   * on an error and logs each warning. Must not throw for a missing or unreadable path: the run reports those.
   */
  check?(context: FingerprintContext<Config>): Promise<NodeCheckProblem[]>;
}
