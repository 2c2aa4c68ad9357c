// One node's turn in a run: compute its cache key, serve it from the cache or run it, and commit its outputs.
// Never throws: whatever the node's code does, the result is an outcome (cached, succeeded, failed or cancelled).
import type { NodeRunResult, ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { LogLevel, NodeFailure, NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import type { EngineRunModule } from '../../nodes/runs.ts';
import type { ArtifactStore, StagingArea, StoredArtifact } from '../artifacts/artifact-store.ts';
import type { ServiceRegistry } from '../services/service-registry.ts';
import { succeedService } from '../services/service-succession.ts';
import type { CacheHistory } from './cache-history.ts';
import { artifactKeyFor, cacheKeyFor, keyedConfig, type CacheKeyParts } from './cache-key.ts';
import { alwaysRunsReason, CACHE_HIT_REASON, explainCacheMiss } from './cache-reason.ts';
import { KeyedLock } from './keyed-lock.ts';
import { describeCheckProblem, runNodeCheck } from './node-checks.ts';
import { createNodeContext } from './node-context.ts';
import type { PlannedNode } from './plan.ts';
import { checkRunResult } from './run-result.ts';
import { settleWithGrace } from './settle-with-grace.ts';

export interface NodeRunnerDeps {
  artifacts: ArtifactStore;
  history: CacheHistory;
  runModules: ReadonlyMap<string, EngineRunModule>;
  capabilities: NodeCapabilities;
  dataDir: string;
  cancelGraceMs: number;
  /** The engine's running services: a service node's rerun keeps or replaces the one its previous run started. */
  services?: ServiceRegistry;
}

export interface NodeJob {
  runId: string;
  pipelineId: string;
  pipelineDir: string | null;
  planned: PlannedNode;
  /** Artifacts arriving on each input port, in edge order. */
  inputs: Record<string, StoredArtifact[]>;
  signal: AbortSignal;
  onRunning(reason: string): void;
  onProgress(update: NodeProgress): void;
  onLog(line: string, level: LogLevel): void;
}

export type NodeOutcome =
  | { state: 'cached' | 'succeeded'; reason: string; outputs: Record<string, StoredArtifact>; metrics: Record<string, number>; service?: ServiceHandle; serviceKey?: { parts: CacheKeyParts; key: string } }
  | { state: 'failed'; reason?: string; error: NodeFailure }
  | { state: 'cancelled'; reason: string };

const CANCELLED: NodeOutcome = { state: 'cancelled', reason: 'run cancelled' };

export async function runNode(deps: NodeRunnerDeps, job: NodeJob): Promise<NodeOutcome> {
  const { planned } = job;
  const module = deps.runModules.get(planned.spec.type);
  let parts: CacheKeyParts;
  try {
    const refused = await checkBeforeRun(deps, job, module);
    if (refused) return refused;
  } catch (error) {
    return job.signal.aborted ? CANCELLED : failure(`node "${planned.id}": its check failed: ${messageOf(error)}`, error);
  }
  try {
    parts = await keyPartsFor(deps, job, module);
  } catch (error) {
    return job.signal.aborted ? CANCELLED : failure(`node "${planned.id}": fingerprint failed: ${messageOf(error)}`, error);
  }
  if (job.signal.aborted) return CANCELLED;
  const freshEveryRun = planned.spec.service === true || planned.spec.nonIdempotent === true;
  const key = cacheKeyFor(parts, freshEveryRun ? job.runId : undefined);
  try {
    const alwaysRuns = alwaysRunsReason(planned.spec, planned.forceReason);
    if (alwaysRuns === null) {
      const cached = await findCachedOutputs(deps, job, key);
      if (cached) {
        await deps.history.record(job.pipelineId, planned.id, key, parts);
        return { state: 'cached', reason: CACHE_HIT_REASON, outputs: cached, metrics: {} };
      }
    }
    const reason = alwaysRuns ?? explainCacheMiss((await deps.history.latest(job.pipelineId, planned.id))?.parts, parts);
    if (!module) return { state: 'failed', reason, error: { message: `no engine implementation for node type "${planned.spec.type}"` } };
    if (planned.spec.service !== true || !deps.services) return await runAndRecord(deps, job, module, { key, parts, reason });
    return await holdingServiceNode(deps.services, job, () => runAndRecord(deps, job, module, { key, parts, reason, serviceKey: { parts, key: cacheKeyFor(parts) } }));
  } catch (error) {
    return failure(`node "${planned.id}": the engine could not complete it: ${messageOf(error)}`, error);
  }
}

interface RunKeys {
  key: string;
  parts: CacheKeyParts;
  /** Why the node runs, as the canvas shows it. */
  reason: string;
  /** A service node's key without the run id: whether its running service can be kept. */
  serviceKey?: { parts: CacheKeyParts; key: string };
}

/** Keeps or replaces a service node's running service, else runs the node; records a success in the cache history. */
async function runAndRecord(deps: NodeRunnerDeps, job: NodeJob, module: EngineRunModule, { key, parts, reason, serviceKey }: RunKeys): Promise<NodeOutcome> {
  const { planned } = job;
  if (serviceKey && deps.services) {
    const succession = { pipelineId: job.pipelineId, node: planned.id, parts, serviceKey: serviceKey.key, mayKeep: planned.forceReason === null, log: (line: string) => job.onLog(line, 'info') };
    const kept = await succeedService(deps.services, succession);
    if (kept) return { state: 'cached', reason: kept.reason, outputs: kept.outputs, metrics: {} };
  }
  job.onRunning(reason);
  const outcome = await execute(deps, job, module, key);
  if (outcome.state === 'succeeded') await deps.history.record(job.pipelineId, planned.id, key, parts);
  if (outcome.state === 'succeeded' && outcome.service && serviceKey) return { ...outcome, reason, serviceKey };
  return outcome.state === 'failed' || outcome.state === 'succeeded' ? { ...outcome, reason } : outcome;
}

/** One lock per engine (its service registry), keyed by pipeline and node. */
const serviceNodeLocks = new WeakMap<ServiceRegistry, KeyedLock>();

/**
 * Runs `work` (succession, then the node) while no other run of the same pipeline does so for this service node:
 * two runs started at once would otherwise both find no service and both start one. The second waits, then keeps or
 * replaces what the first started. Cancelling a waiting run ends it at once.
 */
async function holdingServiceNode(services: ServiceRegistry, job: NodeJob, work: () => Promise<NodeOutcome>): Promise<NodeOutcome> {
  let lock = serviceNodeLocks.get(services);
  if (!lock) serviceNodeLocks.set(services, (lock = new KeyedLock()));
  const key = JSON.stringify([job.pipelineId, job.planned.id]);
  if (lock.isHeld(key)) job.onLog(`waiting for another run of this pipeline to finish starting node "${job.planned.id}"'s service`, 'info');
  const release = await lock.acquire(key, job.signal);
  if (!release) return CANCELLED;
  try {
    return job.signal.aborted ? CANCELLED : await work();
  } finally {
    // The executor registers the service this outcome carries as soon as the outcome arrives, in the same turn of
    // the event loop (executor.ts, #applyOutcome); letting go on the next turn means the run waiting here finds it.
    setImmediate(release);
  }
}

/** The module's check, before anything reads a source: warnings go to the node's log, errors fail the node. */
async function checkBeforeRun(deps: NodeRunnerDeps, job: NodeJob, module: EngineRunModule | undefined): Promise<NodeOutcome | null> {
  if (!module?.check) return null;
  const { planned } = job;
  const context = { nodeId: planned.id, config: structuredClone(planned.config), pipelineDir: job.pipelineDir, dataDir: deps.dataDir, signal: job.signal };
  const found = await runNodeCheck(module, context);
  for (const warning of found.filter((problem) => problem.severity === 'warning')) job.onLog(`warning: ${describeCheckProblem(warning)}`, 'warn');
  const errors = found.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return null;
  return { state: 'failed', error: { message: `node "${planned.id}" refused to run: ${errors.map(describeCheckProblem).join('; ')}` } };
}

async function keyPartsFor(deps: NodeRunnerDeps, job: NodeJob, module: EngineRunModule | undefined): Promise<CacheKeyParts> {
  const { planned } = job;
  const inputKeys = Object.fromEntries(Object.entries(job.inputs).map(([port, artifacts]) => [port, artifacts.map(inputIdentity)]));
  const parts: CacheKeyParts = { type: planned.spec.type, typeVersion: planned.spec.version, config: keyedConfig(planned.spec, planned.config), inputKeys };
  if (module?.fingerprint) {
    const context = { nodeId: planned.id, config: structuredClone(planned.config), pipelineDir: job.pipelineDir, dataDir: deps.dataDir, signal: job.signal };
    const fingerprint: unknown = await Promise.resolve().then(() => module.fingerprint!(context));
    if (typeof fingerprint !== 'string') throw new Error(`the fingerprint hook returned ${typeof fingerprint}, not a string`);
    parts.fingerprint = fingerprint;
  }
  return parts;
}

/**
 * An input as the cache key sees it: its artifact key and the run that wrote what is under it. A forced re-run
 * replaces an artifact under the same key, so without the run everything computed from the old content, and not
 * re-run in that same run (a --target, a cancel), would stay a cache hit and be served stale.
 */
function inputIdentity(artifact: StoredArtifact): string {
  return `${artifact.record.key}@${artifact.record.runId}`;
}

/** Every declared output's artifact, or null if any is missing. A node without outputs relies on its history. */
async function findCachedOutputs(deps: NodeRunnerDeps, job: NodeJob, key: string): Promise<Record<string, StoredArtifact> | null> {
  const { spec, id } = job.planned;
  if (spec.outputs.length === 0) return (await deps.history.latest(job.pipelineId, id))?.key === key ? {} : null;
  const outputs: Record<string, StoredArtifact> = {};
  for (const port of spec.outputs) {
    const artifact = await deps.artifacts.get(artifactKeyFor(key, port.name));
    if (!artifact) return null;
    outputs[port.name] = artifact;
  }
  return outputs;
}

async function execute(deps: NodeRunnerDeps, job: NodeJob, module: EngineRunModule, key: string): Promise<NodeOutcome> {
  const { planned, signal } = job;
  const staging = await deps.artifacts.stage();
  const { context, close } = createNodeContext({ ...job, staging, dataDir: deps.dataDir, capabilities: deps.capabilities });
  const work = Promise.resolve().then(() => module.run(context));
  const settled = await settleWithGrace(work, signal, deps.cancelGraceMs);
  close();
  if (settled.kind === 'abandoned') {
    // The node may still be writing: discard now and again once it finally stops.
    void work.then(stopReturnedService, () => undefined).finally(() => deps.artifacts.discard(staging).catch(() => undefined));
    await deps.artifacts.discard(staging);
    return { state: 'cancelled', reason: `did not stop within ${deps.cancelGraceMs} ms of the cancel; its output was discarded` };
  }
  if (signal.aborted) {
    // Even a run that returned normally may have cut its work short, so its outputs are never cached.
    if (settled.kind === 'fulfilled') await stopReturnedService(settled.value);
    await deps.artifacts.discard(staging);
    return CANCELLED;
  }
  if (settled.kind === 'rejected') {
    await deps.artifacts.discard(staging);
    return failure(`node "${planned.id}" failed: ${messageOf(settled.error)}`, settled.error);
  }
  const checked = checkRunResult(planned.id, planned.spec, settled.value);
  if (!checked.ok) {
    await stopReturnedService(settled.value);
    await deps.artifacts.discard(staging);
    return { state: 'failed', error: { message: checked.message } };
  }
  return commitOutputs(deps, job, staging, key, checked.result);
}

async function commitOutputs(deps: NodeRunnerDeps, job: NodeJob, staging: StagingArea, key: string, result: NodeRunResult): Promise<NodeOutcome> {
  const { planned } = job;
  const outputs: Record<string, StoredArtifact> = {};
  try {
    for (const port of planned.spec.outputs) {
      const record = { key: artifactKeyFor(key, port.name), type: port.type, port: port.name, nodeType: planned.spec.type, nodeId: planned.id, runId: job.runId, meta: result.outputs[port.name]?.meta ?? {} };
      outputs[port.name] = await deps.artifacts.commit(staging, record, { replace: planned.forceReason !== null });
    }
  } catch (error) {
    await stopReturnedService(result);
    return failure(`node "${planned.id}": could not store its output: ${messageOf(error)}`, error);
  } finally {
    await deps.artifacts.discard(staging);
  }
  return { state: 'succeeded', reason: '', outputs, metrics: result.metrics ?? {}, ...(result.service ? { service: result.service } : {}) };
}

async function stopReturnedService(value: unknown): Promise<void> {
  const service = (value as { service?: { stop?: unknown } } | null)?.service;
  if (typeof service?.stop !== 'function') return;
  try {
    await (service.stop as () => Promise<void>)();
  } catch {
    // The service was never registered; nothing else can stop it either.
  }
}

function failure(message: string, error: unknown): NodeOutcome {
  const cause = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { state: 'failed', error: { message, cause } };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
