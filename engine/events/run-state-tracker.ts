// Keeps the current state of each active and recent run, so a client that reconnects gets one snapshot (node
// states, last progress, metrics, recent logs) instead of replaying every event. The fold is app/run/run-fold.ts;
// what is the tracker's own: which runs it keeps, the recent log lines per node, and the snapshot it hands out.
import { snapshotOfNode } from '../../app/run/node-snapshot.ts';
import { foldRunEvent, runStateOf, type RunState } from '../../app/run/run-fold.ts';
import type { NodeSnapshot, RunSnapshot } from '../../app/protocol/run-snapshot.ts';
import type { RunEventOf } from '../../app/protocol/run-events.ts';
import type { BusEvent } from './event-bus.ts';

export type { NodeSnapshot, RunSnapshot };

export interface RunStateTrackerOptions {
  /** Finished runs kept for late readers; the oldest go first. */
  finishedRunsKept?: number;
  logLinesKeptPerNode?: number;
}

interface TrackedRun {
  state: RunState;
  recentLogs: Record<string, NodeSnapshot['recentLogs']>;
}

export class RunStateTracker {
  readonly #runs = new Map<string, TrackedRun>();
  readonly #finishedOrder: string[] = [];
  readonly #finishedRunsKept: number;
  readonly #logLinesKept: number;

  constructor(options: RunStateTrackerOptions = {}) {
    this.#finishedRunsKept = options.finishedRunsKept ?? 20;
    this.#logLinesKept = options.logLinesKeptPerNode ?? 50;
  }

  /** Accepts any bus event; engine events and events of runs it does not know are ignored. */
  apply(event: BusEvent): void {
    if (!('runId' in event)) return;
    if (event.type === 'run.started') {
      this.#runs.set(event.runId, { state: runStateOf(event), recentLogs: {} });
      return;
    }
    const run = this.#runs.get(event.runId);
    if (!run) return;
    const wasFinished = run.state.finishedAt !== undefined;
    run.state = foldRunEvent(run.state, event);
    if (event.type === 'node.log') this.#keepLog(run, event);
    if (event.type === 'run.finished' && !wasFinished) this.#rememberFinished(event.runId);
  }

  snapshot(runId: string): RunSnapshot | undefined {
    const run = this.#runs.get(runId);
    return run ? snapshotOf(run) : undefined;
  }

  /** Every tracked run, oldest first. */
  list(): RunSnapshot[] {
    return [...this.#runs.values()].map(snapshotOf);
  }

  active(): RunSnapshot[] {
    return this.list().filter((run) => run.status === 'running');
  }

  #keepLog(run: TrackedRun, event: RunEventOf<'node.log'>): void {
    const logs = (run.recentLogs[event.node] ??= []);
    logs.push({ level: event.level, line: event.line, at: event.at });
    if (logs.length > this.#logLinesKept) logs.splice(0, logs.length - this.#logLinesKept);
  }

  #rememberFinished(runId: string): void {
    this.#finishedOrder.push(runId);
    while (this.#finishedOrder.length > this.#finishedRunsKept) this.#runs.delete(this.#finishedOrder.shift()!);
  }
}

/** A copy the reader may keep or change. */
function snapshotOf(run: TrackedRun): RunSnapshot {
  const { nodes, ...rest } = run.state;
  const snapshotNodes = Object.fromEntries(Object.entries(nodes).map(([id, node]) => [id, snapshotOfNode(node, run.recentLogs[id] ?? [])]));
  return structuredClone({ ...rest, nodes: snapshotNodes });
}
