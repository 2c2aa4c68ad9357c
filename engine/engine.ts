// The engine: one object that owns the node registry, artifact store, run store, executor, node capabilities,
// long-running services and event bus. The HTTP server, the CLI and tests all drive the engine through this class.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { errorsOf } from '../app/graph/problems.ts';
import type { NodeRegistry } from '../app/nodes/registry.ts';
import { readPipelineJson, readPipelineShape } from '../app/pipeline/document.ts';
import type { ArtifactsResponse, ConfigOverride, LogLine, RunDetail, RunListItem, StartRunResponse, ValidateResponse } from '../app/protocol/engine-api.ts';
import type { RunEvent, ServiceInfo } from '../app/protocol/run-events.ts';
import { builtInRunModules, type EngineRunModule } from '../nodes/runs.ts';
import { builtInRegistry } from '../nodes/specs.ts';
import { openArtifactStore, type ArtifactStore } from './artifacts/artifact-store.ts';
import { createNodeCapabilities, type EngineCapabilities } from './capabilities/node-capabilities.ts';
import { EventBus, type BusEvent } from './events/event-bus.ts';
import { RunStateTracker } from './events/run-state-tracker.ts';
import { openCacheHistory } from './executor/cache-history.ts';
import { Executor, type RunFinishedEvent } from './executor/executor.ts';
import { checkPipelineOnMachine } from './executor/node-checks.ts';
import { planRun } from './executor/plan.ts';
import { PipelineInvalidError } from './executor/run-errors.ts';
import { newRunId } from './executor/run-id.ts';
import { portClashProblems } from './services/port-clash.ts';
import { describePortHolder } from './services/port-holder.ts';
import { ServiceKeeper } from './services/service-keeper.ts';
import { restartService } from './services/service-restart.ts';
import { ServiceRegistry } from './services/service-registry.ts';
import { RunStore } from './store/run-store.ts';
import type { RunRecord } from './store/run-store-types.ts';
import { ServiceRestoreStore } from './store/service-restore-store.ts';

export interface EngineOptions {
  dataDir: string;
  registry?: NodeRegistry;
  runModules?: ReadonlyMap<string, EngineRunModule>;
  /** What every node run may ask of the engine (ctx.capabilities); the engine's own when left out. */
  capabilities?: EngineCapabilities;
  maxParallelNodes?: number;
  cancelGraceMs?: number;
}

export interface StartRunOptions {
  /** Pipeline file JSON, of any supported version. */
  pipeline: unknown;
  /** Absolute path of the pipeline file; relative paths inside resolve against its folder. */
  pipelinePath: string | null;
  targets?: string[];
  overrides?: ConfigOverride[];
  force?: string[];
}

export class Engine {
  readonly bus = new EventBus();
  readonly tracker = new RunStateTracker();
  readonly services: ServiceRegistry;
  readonly #executor: Executor;
  readonly #finished = new Map<string, Promise<RunFinishedEvent>>();
  /** Node types of active runs, for the artifact records their events produce. */
  readonly #nodeTypes = new Map<string, Map<string, string>>();
  readonly #capabilities: EngineCapabilities;
  readonly #runModules: ReadonlyMap<string, EngineRunModule>;
  /** Set by restoreServices(): this engine keeps its services across restarts. */
  #keeper: ServiceKeeper | undefined;
  /** The restart under way (restartService), which the next one waits for. */
  #restarting: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    readonly dataDir: string,
    readonly registry: NodeRegistry,
    readonly store: RunStore,
    readonly artifacts: ArtifactStore,
    options: EngineOptions,
  ) {
    this.services = new ServiceRegistry({
      onStarted: (service, handle) => this.#keeper?.onStarted(service, handle),
      onStopped: (event) => {
        // Services the engine stops while closing are the ones the next engine brings back.
        if (!this.#closed) this.#keeper?.onEnded(event.service);
        this.bus.emit(event);
      },
    });
    const describeHolder = (port: number) => describePortHolder(this.services.running(), port);
    this.#capabilities = options.capabilities ?? createNodeCapabilities({ serving: { describePortHolder: describeHolder } });
    this.#runModules = options.runModules ?? builtInRunModules();
    this.bus.subscribe((event) => this.#persist(event));
    this.bus.subscribe((event) => this.tracker.apply(event));
    this.#executor = new Executor({
      runModules: this.#runModules,
      artifacts,
      history: openCacheHistory(dataDir),
      services: this.services,
      capabilities: this.#capabilities,
      dataDir,
      emit: (event) => this.bus.emit(event),
      maxParallelNodes: options.maxParallelNodes,
      cancelGraceMs: options.cancelGraceMs,
    });
  }

  /** Opens (creating if needed) the data directory; runs left `running` by a crash become `interrupted`. */
  static async open(options: EngineOptions): Promise<Engine> {
    const dataDir = path.resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const store = RunStore.open({ dataDir });
    store.markInterrupted();
    const artifacts = await openArtifactStore(dataDir);
    return new Engine(dataDir, options.registry ?? builtInRegistry(), store, artifacts, options);
  }

  /**
   * The file's problems, then what the nodes' checks find on this machine (sources in secret locations, or outside
   * the pipeline's folder). Warnings leave it valid. `pipelinePath` places relative paths, as for a run.
   */
  async validate(pipeline: unknown, pipelinePath: string | null = null): Promise<ValidateResponse> {
    const document = readPipelineJson(pipeline, this.registry);
    const problems = [...document.problems];
    if (document.pipeline) {
      const pipelineDir = pipelinePath ? path.dirname(pipelinePath) : null;
      problems.push(...(await checkPipelineOnMachine(document.pipeline, { registry: this.registry, runModules: this.#runModules, pipelineDir, dataDir: this.dataDir })));
      problems.push(...portClashProblems(document.pipeline, pipelinePath ?? `unsaved:${document.pipeline.name}`, this.services));
    }
    return { valid: errorsOf(problems).length === 0, problems, migratedFrom: document.migratedFrom, pipeline: document.pipeline };
  }

  /**
   * Reads the pipeline, applies the overrides, validates what the targets need and plans the run, each once, then
   * hands the plan to the executor. Throws PipelineInvalidError (with structured problems) or RunRequestError before
   * anything runs; afterwards every outcome arrives as events and in `finished(runId)`. The plan's warnings come back
   * with the run id, for the caller to show.
   */
  startRun(options: StartRunOptions): Required<StartRunResponse> {
    if (this.#closed) throw new Error('the engine is shutting down');
    const document = readPipelineShape(options.pipeline);
    if (!document.pipeline) throw new PipelineInvalidError(document.problems);
    const pipelineDir = options.pipelinePath ? path.dirname(options.pipelinePath) : null;
    const { targets, overrides, force } = options;
    const plan = planRun({ pipeline: document.pipeline, registry: this.registry, pipelineDir, targets, overrides, force }); // refuses before the run exists in history
    const runId = newRunId();
    this.store.createRun({ runId, pipeline: document.pipeline, pipelinePath: options.pipelinePath, targets: plan.targets, startedAt: new Date().toISOString() });
    this.#nodeTypes.set(runId, new Map(document.pipeline.nodes.map((node) => [node.id, node.type])));
    const started = this.#executor.start({ runId, pipelineId: options.pipelinePath ?? `unsaved:${document.pipeline.name}`, plan });
    this.#finished.set(runId, started.done);
    void started.done.finally(() => {
      this.#nodeTypes.delete(runId);
      setTimeout(() => this.#finished.delete(runId), 60_000).unref();
    });
    return { runId, warnings: plan.warnings };
  }

  /** Resolves with the run's final event; undefined for runs that are not active (read those from the store). */
  finished(runId: string): Promise<RunFinishedEvent> | undefined {
    return this.#finished.get(runId);
  }

  cancelRun(runId: string): boolean {
    return this.#executor.cancel(runId);
  }

  activeRunIds(): string[] {
    return this.#executor.activeRuns().map((run) => run.runId);
  }

  listRuns(query: { limit?: number; offset?: number } = {}): RunListItem[] {
    return this.store.listRuns(query);
  }

  /** The run in full; each metric series is thinned to a bounded count, so a day-long run's detail stays small. */
  getRun(runId: string): RunDetail | null {
    return this.store.getRun(runId);
  }

  /** The run, its nodes and its engine process, without metric points: to check a run exists or find an output. */
  findRun(runId: string): RunRecord | null {
    return this.store.findRun(runId);
  }

  logs(runId: string, query: { node?: string; afterId?: number; limit?: number } = {}): LogLine[] {
    return this.store.logs(runId, query);
  }

  listArtifacts(query: { limit?: number; offset?: number } = {}): ArtifactsResponse {
    return this.store.listArtifacts(query);
  }

  listServices(): ServiceInfo[] {
    return this.services.list();
  }

  stopService(serviceId: string): Promise<boolean> {
    return this.services.stop(serviceId);
  }

  /**
   * Stops a service if it runs and starts it again from its recipe, as the same node of the same run; a deployment
   * brings the running endpoints over it along. Returns the services started; throws ServiceRestartError or the
   * start's failure (a port taken, a model folder gone).
   */
  restartService(serviceId: string): Promise<ServiceInfo[]> {
    const log = (service: ServiceInfo, line: string) => this.bus.emit({ type: 'node.log', runId: service.runId, at: new Date().toISOString(), node: service.node, level: 'info', line });
    // One restart at a time: each looks at the registry, then loads a model for seconds before registering it, so
    // two at once (Restart on a deployment and on the endpoint over it) each saw it stopped and loaded it twice.
    const restart = this.#restarting.catch(() => undefined).then(() => restartService({ registry: this.services, restorer: this.#capabilities.serving, dataDir: this.dataDir, log, announce: (service) => this.#announce(service) }, serviceId));
    this.#restarting = restart;
    return restart;
  }

  #announce(service: ServiceInfo): void {
    this.bus.emit({ type: 'service.started', runId: service.runId, at: new Date().toISOString(), node: service.node, service });
  }

  /** The id the executor gave the run's pipeline: its file path, or `unsaved:NAME`. */
  #pipelineIdOf(runId: string): string | undefined {
    const run = this.store.findRun(runId)?.run;
    return run ? (run.pipelinePath ?? `unsaved:${run.pipelineName}`) : undefined;
  }

  /**
   * For long-lived engines (the studio, the desktop engine): brings back the deployments and endpoints that were
   * running when the last such engine on this data directory stopped or crashed, then records the services this one
   * starts so the next one can. Services a user stops, or that fail, stay down. Logs one line per service. With
   * `restart: false` they are listed as stopped instead, each ready for restartService (the studio's default).
   */
  async restoreServices(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`), options: { restart?: boolean } = {}): Promise<ServiceInfo[]> {
    if (this.#keeper || this.#closed) return [];
    let store: ServiceRestoreStore;
    try {
      store = ServiceRestoreStore.open({ dataDir: this.dataDir });
    } catch (error) {
      log(`services are not kept across restarts: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
    this.#keeper = new ServiceKeeper({
      store,
      registry: this.services,
      restorer: this.#capabilities.serving,
      dataDir: this.dataDir,
      log,
      announce: (service) => this.#announce(service),
      pipelineIdOf: (runId) => this.#pipelineIdOf(runId),
    });
    if (options.restart === false) {
      this.#keeper.leaveStopped();
      return [];
    }
    return (await this.#keeper.restoreAll()).restored;
  }

  /** Cancels active runs (waiting up to `graceMs` for them), stops services and closes the run store. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const active = this.activeRunIds();
    for (const runId of active) this.cancelRun(runId);
    const pending = active.map((runId) => this.#finished.get(runId)).filter((p) => p !== undefined);
    await Promise.race([Promise.allSettled(pending), delay(graceMs)]);
    await this.services.stopAll();
    this.#keeper?.close();
    this.store.close();
  }

  #persist(event: BusEvent): void {
    if (event.type === 'service.stopped') return this.store.upsertService(event.service);
    this.store.record(event);
    if (event.type === 'service.started') this.store.upsertService(event.service);
    if (event.type === 'node.state' && event.artifacts) this.#recordArtifacts(event);
    // State changes are rare and must survive a crash; progress and logs stay batched.
    if (event.type !== 'node.progress' && event.type !== 'node.log') this.store.flush();
  }

  #recordArtifacts(event: Extract<RunEvent, { type: 'node.state' }>): void {
    if (event.state !== 'succeeded') return;
    const nodeType = this.#nodeTypes.get(event.runId)?.get(event.node) ?? 'unknown';
    for (const artifact of Object.values(event.artifacts ?? {})) {
      this.store.recordArtifact({ ...artifact, nodeId: event.node, nodeType, runId: event.runId });
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
