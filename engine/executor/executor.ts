// The graph executor: takes a planned run and walks its nodes upstream-first, running independent branches side by
// side, and reports everything as RunEvents. A run never throws once started; its `done` promise carries run.finished.
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { NodeProgress, NodeRunSummary, RunEvent, RunEventOf, RunStatus } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import type { EngineRunModule } from '../../nodes/runs.ts';
import { summarizeArtifact, type ArtifactStore, type StoredArtifact } from '../artifacts/artifact-store.ts';
import type { ServiceOwner, ServiceRegistry } from '../services/service-registry.ts';
import { blockedReason } from './blocked-nodes.ts';
import type { CacheHistory } from './cache-history.ts';
import { runNode, type NodeOutcome, type NodeRunnerDeps } from './node-runner.ts';
import type { RunPlan } from './plan.ts';
import { RunRequestError } from './run-errors.ts';

export interface ExecutorOptions {
  /** Engine-side run modules keyed by node type. */
  runModules: ReadonlyMap<string, EngineRunModule>;
  artifacts: ArtifactStore;
  history: CacheHistory;
  services: ServiceRegistry;
  /** Passed to every node run as ctx.capabilities. */
  capabilities: NodeCapabilities;
  dataDir: string;
  emit: (event: RunEvent) => void;
  /** How many nodes may run at the same time (default 2). */
  maxParallelNodes?: number;
  /** How long a node may ignore a cancel before it is abandoned (default 5000). */
  cancelGraceMs?: number;
}

export interface RunToStart {
  runId: string;
  /** Identifies the pipeline across runs (usually its file path); the "why" history is kept per pipeline. */
  pipelineId: string;
  plan: RunPlan;
}

export type RunFinishedEvent = RunEventOf<'run.finished'>;

export interface StartedRun {
  runId: string;
  done: Promise<RunFinishedEvent>;
}

export interface ActiveRunInfo {
  runId: string;
  pipelineId: string;
  pipelineName: string;
  targets: string[];
  startedAt: string;
}

interface ActiveRun {
  info: ActiveRunInfo;
  plan: RunPlan;
  abort: AbortController;
  summaries: Map<string, NodeRunSummary>;
  /** Nodes whose turn has begun (cache check or run), so they are not started twice. */
  begun: Set<string>;
  outputs: Map<string, Record<string, StoredArtifact>>;
}

export class Executor {
  readonly #options: ExecutorOptions;
  readonly #maxParallelNodes: number;
  readonly #deps: NodeRunnerDeps;
  readonly #active = new Map<string, ActiveRun>();

  constructor(options: ExecutorOptions) {
    this.#options = options;
    this.#maxParallelNodes = Math.max(1, Math.floor(options.maxParallelNodes ?? 2));
    const { artifacts, history, runModules, capabilities, dataDir, services } = options;
    this.#deps = { artifacts, history, runModules, capabilities, dataDir, services, cancelGraceMs: options.cancelGraceMs ?? 5000 };
  }

  /** Starts a planned run. Throws RunRequestError, before anything runs, when its id is already running. */
  start({ runId, pipelineId, plan }: RunToStart): StartedRun {
    if (this.#active.has(runId)) throw new RunRequestError(`run id "${runId}" is already running; pick another id`);
    const info = { runId, pipelineId, pipelineName: plan.pipeline.name, targets: plan.targets, startedAt: new Date().toISOString() };
    const run: ActiveRun = { info, plan, abort: new AbortController(), summaries: new Map(), begun: new Set(), outputs: new Map() };
    this.#active.set(runId, run);
    // Nodes that have not begun are marked cancelled at once, not when the running ones stop.
    run.abort.signal.addEventListener('abort', () => this.#settleBlockedNodes(run), { once: true });
    // Deferred, so a caller can subscribe with the returned run id before the first event.
    const done = Promise.resolve()
      .then(() => this.#drive(run))
      .finally(() => this.#active.delete(runId));
    return { runId, done };
  }

  /** Cancels a running run; false when no run has that id. */
  cancel(runId: string): boolean {
    const run = this.#active.get(runId);
    if (!run) return false;
    run.abort.abort();
    return true;
  }

  activeRuns(): ActiveRunInfo[] {
    return [...this.#active.values()].map((run) => ({ ...run.info }));
  }

  async #drive(run: ActiveRun): Promise<RunFinishedEvent> {
    const { runId } = run.info;
    this.#emit({ type: 'run.started', runId, at: now(), pipelineName: run.info.pipelineName, targets: run.info.targets, nodes: run.plan.order });
    for (const id of run.plan.order) this.#setState(run, id, { state: 'pending', cached: false, metrics: {} });
    try {
      await this.#schedule(run);
    } catch (error) {
      this.#failUnfinished(run, error);
    }
    const nodes = Object.fromEntries(run.summaries);
    const finished: RunFinishedEvent = { type: 'run.finished', runId, at: now(), status: runStatus(run), nodes };
    this.#emit(finished);
    return finished;
  }

  async #schedule(run: ActiveRun): Promise<void> {
    const inFlight = new Map<string, Promise<void>>();
    for (;;) {
      this.#settleBlockedNodes(run);
      for (const id of run.plan.order) {
        if (inFlight.size >= this.#maxParallelNodes) break;
        if (run.begun.has(id) || !this.#isReady(run, id)) continue;
        run.begun.add(id);
        const turn = this.#processNode(run, id).catch((error: unknown) => this.#failNode(run, id, error));
        inFlight.set(id, turn.finally(() => inFlight.delete(id)));
      }
      if (inFlight.size === 0) return;
      await Promise.race(inFlight.values());
    }
  }

  #isReady(run: ActiveRun, id: string): boolean {
    if (run.summaries.get(id)?.state !== 'pending') return false;
    return run.plan.nodes.get(id)!.upstream.every((up) => run.outputs.has(up));
  }

  /** Pending nodes that can no longer run (cancel, or a failed upstream) get their final state now. */
  #settleBlockedNodes(run: ActiveRun): void {
    for (const id of run.plan.order) {
      if (run.begun.has(id) || run.summaries.get(id)?.state !== 'pending') continue;
      const upstreamStates = run.plan.nodes.get(id)!.upstream.map((up) => ({ node: up, summary: run.summaries.get(up)! }));
      const blocked = blockedReason(run.abort.signal.aborted, upstreamStates);
      if (blocked) this.#setState(run, id, { ...run.summaries.get(id)!, ...blocked });
    }
  }

  async #processNode(run: ActiveRun, id: string): Promise<void> {
    const planned = run.plan.nodes.get(id)!;
    const inputs: Record<string, StoredArtifact[]> = {};
    for (const [port, refs] of Object.entries(planned.inputs)) {
      inputs[port] = refs.map((ref) => run.outputs.get(ref.node)?.[ref.port]).filter((artifact) => artifact !== undefined);
    }
    const startedAt = performance.now();
    const outcome = await runNode(this.#deps, {
      runId: run.info.runId,
      pipelineId: run.info.pipelineId,
      pipelineDir: run.plan.pipelineDir,
      planned,
      inputs,
      signal: run.abort.signal,
      onRunning: (reason) => this.#setState(run, id, { ...run.summaries.get(id)!, state: 'running', reason }),
      onProgress: (update) => this.#onProgress(run, id, update),
      onLog: (line, level) => this.#emit({ type: 'node.log', runId: run.info.runId, at: now(), node: id, level, line }),
    });
    this.#applyOutcome(run, id, outcome, Math.round(performance.now() - startedAt));
  }

  #applyOutcome(run: ActiveRun, id: string, outcome: NodeOutcome, durationMs: number): void {
    const previous = run.summaries.get(id)!;
    const base = { cached: false, metrics: previous.metrics, durationMs, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    if (outcome.state === 'failed') return this.#setState(run, id, { ...base, state: 'failed', error: outcome.error });
    if (outcome.state === 'cancelled') return this.#setState(run, id, { ...base, state: 'cancelled' });
    const artifacts = Object.fromEntries(Object.entries(outcome.outputs).map(([port, artifact]) => [port, summarizeArtifact(artifact)]));
    const first = Object.values(artifacts)[0];
    run.outputs.set(id, outcome.outputs);
    this.#setState(run, id, { ...base, state: outcome.state, cached: outcome.state === 'cached', artifacts, metrics: { ...previous.metrics, ...outcome.metrics }, ...(first ? { artifact: first.path } : {}) });
    if (outcome.service) this.#registerService(run, id, outcome.service, outcome.serviceKey && { pipelineId: run.info.pipelineId, parts: outcome.serviceKey.parts, serviceKey: outcome.serviceKey.key, outputs: outcome.outputs });
  }

  #registerService(run: ActiveRun, id: string, handle: ServiceHandle, owner: ServiceOwner | undefined): void {
    try {
      const service = this.#options.services.register({ runId: run.info.runId, node: id, handle, ...(owner ? { owner } : {}) });
      this.#emit({ type: 'service.started', runId: run.info.runId, at: now(), node: id, service });
    } catch (error) {
      void Promise.resolve().then(() => handle.stop()).catch(() => undefined);
      this.#failNode(run, id, error);
    }
  }

  #onProgress(run: ActiveRun, id: string, update: NodeProgress): void {
    const summary = run.summaries.get(id)!;
    if (update.metrics) summary.metrics = { ...summary.metrics, ...update.metrics };
    this.#emit({ ...update, type: 'node.progress', runId: run.info.runId, at: now(), node: id });
  }

  #setState(run: ActiveRun, id: string, summary: NodeRunSummary): void {
    run.summaries.set(id, summary);
    const { state, cached, reason, artifacts, error, durationMs } = summary;
    this.#emit({ type: 'node.state', runId: run.info.runId, at: now(), node: id, state, cached, ...defined({ reason, artifacts, error, durationMs }) });
  }

  /** Last resort for a bug in the engine itself: the node fails, saying what went wrong, and the run goes on. */
  #failNode(run: ActiveRun, id: string, error: unknown): void {
    const message = `node "${id}": the engine failed while handling it: ${error instanceof Error ? error.message : String(error)}`;
    run.outputs.delete(id);
    this.#setState(run, id, { ...run.summaries.get(id)!, state: 'failed', error: { message, cause: error instanceof Error ? error.stack : String(error) } });
  }

  #failUnfinished(run: ActiveRun, error: unknown): void {
    for (const [id, summary] of run.summaries) {
      if (summary.state === 'pending' || summary.state === 'running') this.#failNode(run, id, error);
    }
  }

  #emit(event: RunEvent): void {
    try {
      this.#options.emit(event);
    } catch {
      // Listeners are not allowed to break a run; the event bus reports its own listener errors.
    }
  }
}

function runStatus(run: ActiveRun): RunStatus {
  if (run.abort.signal.aborted) return 'cancelled';
  const states = [...run.summaries.values()].map((summary) => summary.state);
  return states.every((state) => state === 'succeeded' || state === 'cached') ? 'succeeded' : 'failed';
}

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function now(): string {
  return new Date().toISOString();
}
