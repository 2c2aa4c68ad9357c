// What the studio knows about one run: the shared fold (app/run/run-fold.ts) plus what only the studio keeps, the
// metric series its charts draw and the log lines of each node. Pure, so it serves live runs, reconnects (a fresh
// snapshot keeps the charts and logs already drawn) and past runs alike.
import type { LogLine, MetricPoint, RunDetail } from '../../../app/protocol/engine-api.ts';
import type { RunSnapshot } from '../../../app/protocol/run-snapshot.ts';
import type { LogLevel, RunEvent, RunEventOf } from '../../../app/protocol/run-events.ts';
import { nodeOfReport } from '../../../app/run/node-snapshot.ts';
import { foldRunEvent, runStateOf, type NodeRunState, type RunState } from '../../../app/run/run-fold.ts';

export const LOG_LINES_KEPT_PER_NODE = 2000;

/** The snapshot a stream starts with, as the engine sends it. */
export type RunSnapshotWire = RunSnapshot;

export type NodeRunView = NodeRunState;

export interface MetricSeries {
  steps: number[];
  values: number[];
}

export interface LogEntry {
  level: LogLevel;
  line: string;
  at: string;
}

/** The folded run with what the stream has drawn: metric series for the charts and log lines. */
export interface RunView extends RunState {
  /** node → metric → points, in the order they arrived. */
  series: Record<string, Record<string, MetricSeries>>;
  logs: Record<string, LogEntry[]>;
}

export function runViewFromSnapshot(snapshot: RunSnapshotWire, previous?: RunView): RunView {
  const nodes: Record<string, NodeRunView> = {};
  const logs: Record<string, LogEntry[]> = { ...previous?.logs };
  for (const [id, node] of Object.entries(snapshot.nodes)) {
    nodes[id] = { ...previous?.nodes[id], ...nodeOfReport(node) };
    if (!logs[id]?.length && node.recentLogs?.length) logs[id] = node.recentLogs;
  }
  const { runId, pipelineName, targets, status, startedAt, finishedAt } = snapshot;
  return { runId, pipelineName, targets, status, startedAt, finishedAt, nodes, series: previous?.series ?? {}, logs };
}

export function applyRunEvent(view: RunView | undefined, event: RunEvent): RunView | undefined {
  if (event.type === 'run.started') return { ...runStateOf(event), series: {}, logs: {} };
  if (!view || view.runId !== event.runId) return view;
  const folded = foldRunEvent(view, event);
  if (event.type === 'node.progress') return withSeries(folded, event.node, event.metrics, event.step);
  if (event.type === 'node.log') return withLog(folded, event);
  return folded;
}

function withLog(view: RunView, event: RunEventOf<'node.log'>): RunView {
  const kept = [...(view.logs[event.node] ?? []), { level: event.level, line: event.line, at: event.at }].slice(-LOG_LINES_KEPT_PER_NODE);
  return { ...view, logs: { ...view.logs, [event.node]: kept } };
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
    nodes[id] = nodeOfReport(node);
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
