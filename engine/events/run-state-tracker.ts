// Folds run events into the current state of each active and recent run, so a client that reconnects
// gets one snapshot (node states, last progress, metrics, recent logs) instead of replaying every event.
import type { NodeSnapshot, RunSnapshot } from '../../app/protocol/run-snapshot.ts';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import type { BusEvent } from './event-bus.ts';

export type { NodeSnapshot, RunSnapshot };

export interface RunStateTrackerOptions {
  /** Finished runs kept for late readers; the oldest go first. */
  finishedRunsKept?: number;
  logLinesKeptPerNode?: number;
}

export class RunStateTracker {
  readonly #runs = new Map<string, RunSnapshot>();
  readonly #finishedOrder: string[] = [];
  readonly #finishedRunsKept: number;
  readonly #logLinesKept: number;

  constructor(options: RunStateTrackerOptions = {}) {
    this.#finishedRunsKept = options.finishedRunsKept ?? 20;
    this.#logLinesKept = options.logLinesKeptPerNode ?? 50;
  }

  /** Accepts any bus event; engine events are ignored. */
  apply(event: BusEvent): void {
    if (!('runId' in event)) return;
    if (event.type === 'run.started') {
      const nodes = Object.fromEntries(event.nodes.map((id) => [id, emptyNode()]));
      this.#runs.set(event.runId, { runId: event.runId, pipelineName: event.pipelineName, targets: event.targets, status: 'running', startedAt: event.at, nodes });
      return;
    }
    const run = this.#runs.get(event.runId);
    if (run) this.#applyToRun(run, event);
  }

  snapshot(runId: string): RunSnapshot | undefined {
    const run = this.#runs.get(runId);
    return run ? structuredClone(run) : undefined;
  }

  /** Every tracked run, oldest first. */
  list(): RunSnapshot[] {
    return [...this.#runs.values()].map((run) => structuredClone(run));
  }

  active(): RunSnapshot[] {
    return this.list().filter((run) => run.status === 'running');
  }

  #applyToRun(run: RunSnapshot, event: Exclude<RunEvent, { type: 'run.started' }>): void {
    switch (event.type) {
      case 'node.state': {
        const node = nodeOf(run, event.node);
        node.state = event.state;
        if (event.cached !== undefined) node.cached = event.cached;
        if (event.reason !== undefined) node.reason = event.reason;
        if (event.artifacts !== undefined) node.artifacts = event.artifacts;
        if (event.error !== undefined) node.error = event.error;
        if (event.durationMs !== undefined) node.durationMs = event.durationMs;
        return;
      }
      case 'node.progress': {
        const { type: _type, runId: _runId, at: _at, node: id, ...progress } = event;
        const node = nodeOf(run, id);
        node.progress = progress;
        Object.assign(node.metrics, progress.metrics ?? {});
        return;
      }
      case 'node.log': {
        const logs = nodeOf(run, event.node).recentLogs;
        logs.push({ level: event.level, line: event.line, at: event.at });
        if (logs.length > this.#logLinesKept) logs.splice(0, logs.length - this.#logLinesKept);
        return;
      }
      case 'service.started':
        return;
      case 'run.finished':
        this.#finish(run, event);
        return;
    }
  }

  #finish(run: RunSnapshot, event: Extract<RunEvent, { type: 'run.finished' }>): void {
    const alreadyFinished = run.finishedAt !== undefined;
    run.status = event.status;
    run.finishedAt = event.at;
    for (const [id, summary] of Object.entries(event.nodes)) {
      const node = nodeOf(run, id);
      Object.assign(node, { ...summary, metrics: { ...node.metrics, ...summary.metrics } });
    }
    if (alreadyFinished) return;
    this.#finishedOrder.push(run.runId);
    while (this.#finishedOrder.length > this.#finishedRunsKept) this.#runs.delete(this.#finishedOrder.shift()!);
  }
}

function emptyNode(): NodeSnapshot {
  return { state: 'pending', metrics: {}, recentLogs: [] };
}

function nodeOf(run: RunSnapshot, id: string): NodeSnapshot {
  let node = run.nodes[id];
  if (!node) {
    node = emptyNode();
    run.nodes[id] = node;
  }
  return node;
}
