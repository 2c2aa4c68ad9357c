// The one fold of a run's events into its state, (state, event) → state: pure, immutable, no I/O. The engine's
// tracker, the studio's run view and the CLI's progress rows all fold with it, so a node reads the same everywhere.
import {
  TERMINAL_NODE_STATES,
  type ArtifactSummary,
  type NodeFailure,
  type NodeRunSummary,
  type NodeState,
  type RunEvent,
  type RunEventOf,
} from '../protocol/run-events.ts';
import type { RunSnapshot } from '../protocol/run-snapshot.ts';

/** One node of a run as the events so far describe its current attempt. */
export interface NodeRunState {
  state: NodeState;
  cached: boolean;
  /** Why it ran, came from the cache or was skipped. */
  reason?: string;
  /** 0..1 of the node's work, as last reported. */
  fraction?: number;
  message?: string;
  etaMs?: number;
  /** Latest value of every metric the node reported. */
  metrics: Record<string, number>;
  /** Only while the node is failed. */
  error?: NodeFailure;
  durationMs?: number;
  artifacts: Record<string, ArtifactSummary>;
  /** Event times: when the attempt began running, and when it settled. */
  startedAt?: string;
  finishedAt?: string;
}

/** The run as its stream's snapshot describes it, with each node folded. */
export interface RunState extends Omit<RunSnapshot, 'nodes'> {
  nodes: Record<string, NodeRunState>;
}

/** What a node.state event and a run.finished summary both say about a node. */
type NodeStateChange = Pick<NodeRunSummary, 'state'> & Partial<Pick<NodeRunSummary, 'cached' | 'reason' | 'artifacts' | 'error' | 'durationMs'>>;

export function pendingNode(): NodeRunState {
  return { state: 'pending', cached: false, metrics: {}, artifacts: {} };
}

export function runStateOf(event: RunEventOf<'run.started'>): RunState {
  const nodes = Object.fromEntries(event.nodes.map((id) => [id, pendingNode()]));
  return { runId: event.runId, pipelineName: event.pipelineName, targets: event.targets, status: 'running', startedAt: event.at, nodes };
}

/**
 * Folds one event into the run. Events of another run leave it as it is (the same object), and so do logs and
 * services: each reader keeps those its own way. Fields a caller added to the run are carried along.
 */
export function foldRunEvent<Run extends RunState>(run: Run, event: RunEvent): Run {
  if (event.runId !== run.runId) return run;
  switch (event.type) {
    case 'run.started':
      return { ...run, ...runStateOf(event), finishedAt: undefined };
    case 'node.state':
      return withNode(run, event.node, (node) => withNodeState(node, event, event.at));
    case 'node.progress':
      return withNode(run, event.node, (node) => ({
        ...node,
        fraction: event.fraction ?? node.fraction,
        message: event.message ?? node.message,
        etaMs: event.etaMs ?? node.etaMs,
        metrics: event.metrics ? { ...node.metrics, ...event.metrics } : node.metrics,
      }));
    case 'node.log':
    case 'service.started':
      return run;
    case 'run.finished':
      return finishRun(run, event);
  }
}

function finishRun<Run extends RunState>(run: Run, event: RunEventOf<'run.finished'>): Run {
  const nodes = { ...run.nodes };
  for (const [id, summary] of Object.entries(event.nodes)) {
    const node = withNodeState(nodes[id] ?? pendingNode(), summary, event.at);
    nodes[id] = { ...node, metrics: { ...node.metrics, ...summary.metrics } };
  }
  return { ...run, status: event.status, finishedAt: event.at, nodes };
}

function settled(state: NodeState): boolean {
  return TERMINAL_NODE_STATES.includes(state);
}

/** The rules of a state change; `at` is when it happened. */
function withNodeState(node: NodeRunState, change: NodeStateChange, at: string): NodeRunState {
  const settles = settled(change.state);
  // A node that goes back to pending or running after it settled starts over: nothing of its last attempt holds.
  const base = !settles && settled(node.state) ? pendingNode() : node;
  return {
    ...base,
    state: change.state,
    cached: change.cached ?? base.cached,
    reason: change.reason ?? base.reason,
    artifacts: change.artifacts ?? base.artifacts,
    // An error describes a failure: once the node restarts, succeeds or is cancelled it has none.
    error: change.state === 'failed' ? (change.error ?? base.error) : undefined,
    durationMs: change.durationMs ?? base.durationMs,
    fraction: change.state === 'succeeded' ? 1 : base.fraction,
    etaMs: settles ? undefined : base.etaMs,
    startedAt: change.state === 'running' && base.state !== 'running' ? at : base.startedAt,
    finishedAt: settles ? (base.state === change.state ? (base.finishedAt ?? at) : at) : undefined,
  };
}

function withNode<Run extends RunState>(run: Run, id: string, change: (node: NodeRunState) => NodeRunState): Run {
  return { ...run, nodes: { ...run.nodes, [id]: change(run.nodes[id] ?? pendingNode()) } };
}
