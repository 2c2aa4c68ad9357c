// What the studio knows about one run, folded from the engine's stream: a snapshot first, then events. Pure, so the
// same fold serves live runs, reconnects (a fresh snapshot keeps the charts and logs already drawn) and past runs.
import type { LogLine, MetricPoint, RunDetail } from '../../../app/protocol/engine-api.ts';
import type { RunSnapshot } from '../../../app/protocol/run-snapshot.ts';
import type { ArtifactSummary, LogLevel, NodeFailure, NodeProgress, NodeState, RunEvent } from '../../../app/protocol/run-events.ts';

export const LOG_LINES_KEPT_PER_NODE = 2000;

/** What a snapshot and a stored run both say about a node. */
interface NodeReport {
  state: NodeState;
  cached?: boolean;
  reason?: string;
  progress?: Pick<NodeProgress, 'fraction' | 'message' | 'etaMs'>;
  metrics: Record<string, number>;
  error?: NodeFailure;
  durationMs?: number;
  artifacts?: Record<string, ArtifactSummary>;
}

/** The snapshot a stream starts with, as the engine sends it. */
export type RunSnapshotWire = RunSnapshot;

export interface NodeRunView {
  state: NodeState;
  cached: boolean;
  /** Why it ran or came from the cache. */
  reason?: string;
  fraction?: number;
  message?: string;
  etaMs?: number;
  metrics: Record<string, number>;
  error?: NodeFailure;
  durationMs?: number;
  artifacts: Record<string, ArtifactSummary>;
  startedAt?: string;
  finishedAt?: string;
}

export interface MetricSeries {
  steps: number[];
  values: number[];
}

export interface LogEntry {
  level: LogLevel;
  line: string;
  at: string;
}

/** The run as its snapshot describes it, with per-node views and what the stream has drawn since. */
export interface RunView extends Omit<RunSnapshot, 'nodes'> {
  nodes: Record<string, NodeRunView>;
  /** node → metric → points, in the order they arrived. */
  series: Record<string, Record<string, MetricSeries>>;
  logs: Record<string, LogEntry[]>;
}

function emptyNode(): NodeRunView {
  return { state: 'pending', cached: false, metrics: {}, artifacts: {} };
}

function nodeFromReport(node: NodeReport): NodeRunView {
  return {
    state: node.state,
    cached: node.cached ?? false,
    reason: node.reason,
    fraction: node.progress?.fraction,
    message: node.progress?.message,
    etaMs: node.progress?.etaMs,
    metrics: node.metrics,
    error: node.error,
    durationMs: node.durationMs,
    artifacts: node.artifacts ?? {},
  };
}

export function runViewFromSnapshot(snapshot: RunSnapshotWire, previous?: RunView): RunView {
  const nodes: Record<string, NodeRunView> = {};
  const logs: Record<string, LogEntry[]> = { ...previous?.logs };
  for (const [id, node] of Object.entries(snapshot.nodes)) {
    nodes[id] = { ...previous?.nodes[id], ...nodeFromReport(node) };
    if (!logs[id]?.length && node.recentLogs?.length) logs[id] = node.recentLogs;
  }
  const { runId, pipelineName, targets, status, startedAt, finishedAt } = snapshot;
  return { runId, pipelineName, targets, status, startedAt, finishedAt, nodes, series: previous?.series ?? {}, logs };
}

export function applyRunEvent(view: RunView | undefined, event: RunEvent): RunView | undefined {
  if (event.type === 'run.started') {
    const nodes = Object.fromEntries(event.nodes.map((id) => [id, emptyNode()]));
    return { runId: event.runId, pipelineName: event.pipelineName, targets: event.targets, status: 'running', startedAt: event.at, nodes, series: {}, logs: {} };
  }
  if (!view || view.runId !== event.runId) return view;
  switch (event.type) {
    case 'node.state':
      return withNode(view, event.node, (node) => ({
        ...node,
        state: event.state,
        cached: event.cached ?? node.cached,
        reason: event.reason ?? node.reason,
        error: event.error ?? (event.state === 'running' ? undefined : node.error),
        durationMs: event.durationMs ?? node.durationMs,
        artifacts: event.artifacts ?? node.artifacts,
        startedAt: event.state === 'running' ? event.at : node.startedAt,
        finishedAt: event.state === 'running' || event.state === 'pending' ? undefined : event.at,
        ...(event.state === 'succeeded' ? { fraction: 1, etaMs: undefined } : {}),
      }));
    case 'node.progress':
      return withSeries(
        withNode(view, event.node, (node) => ({
          ...node,
          fraction: event.fraction ?? node.fraction,
          message: event.message ?? node.message,
          etaMs: event.etaMs ?? node.etaMs,
          metrics: event.metrics ? { ...node.metrics, ...event.metrics } : node.metrics,
        })),
        event.node,
        event.metrics,
        event.step,
      );
    case 'node.log': {
      const kept = [...(view.logs[event.node] ?? []), { level: event.level, line: event.line, at: event.at }].slice(-LOG_LINES_KEPT_PER_NODE);
      return { ...view, logs: { ...view.logs, [event.node]: kept } };
    }
    case 'service.started':
      return view;
    case 'run.finished': {
      const nodes = { ...view.nodes };
      for (const [id, summary] of Object.entries(event.nodes)) {
        nodes[id] = { ...(nodes[id] ?? emptyNode()), state: summary.state, cached: summary.cached, reason: summary.reason, metrics: summary.metrics, error: summary.error, durationMs: summary.durationMs, artifacts: summary.artifacts ?? nodes[id]?.artifacts ?? {}, etaMs: undefined };
      }
      return { ...view, status: event.status, finishedAt: event.at, nodes };
    }
  }
}

function withNode(view: RunView, id: string, change: (node: NodeRunView) => NodeRunView): RunView {
  return { ...view, nodes: { ...view.nodes, [id]: change(view.nodes[id] ?? emptyNode()) } };
}

function withSeries(view: RunView, nodeId: string, metrics: Record<string, number> | undefined, step: number | undefined): RunView {
  if (!metrics || Object.keys(metrics).length === 0) return view;
  const nodeSeries = { ...view.series[nodeId] };
  for (const [name, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) continue;
    const previous = nodeSeries[name] ?? { steps: [], values: [] };
    const x = step ?? (previous.steps.at(-1) ?? 0) + 1;
    nodeSeries[name] = { steps: [...previous.steps, x], values: [...previous.values, value] };
  }
  return { ...view, series: { ...view.series, [nodeId]: nodeSeries } };
}

export function seriesFromPoints(metrics: Record<string, Record<string, MetricPoint[]>>): RunView['series'] {
  const series: RunView['series'] = {};
  for (const [nodeId, byName] of Object.entries(metrics)) {
    series[nodeId] = {};
    for (const [name, points] of Object.entries(byName)) {
      series[nodeId][name] = { steps: points.map((point) => point.step), values: points.map((point) => point.value) };
    }
  }
  return series;
}

/** A finished (or still running) run as stored by the engine, for the history view and after a reconnect. */
export function runViewFromDetail(detail: RunDetail, logLines: readonly LogLine[]): RunView {
  const nodes: Record<string, NodeRunView> = {};
  for (const [id, node] of Object.entries(detail.nodes)) {
    nodes[id] = nodeFromReport(node);
  }
  const logs: Record<string, LogEntry[]> = {};
  for (const line of logLines) (logs[line.node] ??= []).push({ level: line.level, line: line.line, at: line.at });
  const { run } = detail;
  return {
    runId: run.id,
    pipelineName: run.pipelineName,
    targets: run.targets,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? undefined,
    nodes,
    series: seriesFromPoints(detail.metrics),
    logs,
  };
}
