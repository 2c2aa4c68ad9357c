// The engine's ServingCapability (nodes/capabilities/serving.ts): deployments are ONNX runtimes in worker threads
// (engine/inference) kept by id while they run; endpoints are OpenAI-compatible servers (engine/endpoint) over them.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { DeployRequest, EndpointRequest, ServingCapability, StartedDeployment, StartedEndpoint } from '../../nodes/capabilities/serving.ts';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { ReplicaAutoscaler } from '../inference/replica-autoscaler.ts';
import type { ScalingSettings } from '../inference/scaling-policy.ts';
import type { SpeculativeStats } from '../inference/speculative-step.ts';
import { replicaRange, type DeployConfig } from '../../nodes/deploy/spec.ts';
import { DEVICE_TITLES, type ComputeDevice } from '../../app/protocol/compute-devices.ts';
import { resolveAndAnnounce, type DeviceEnvironment } from '../ml/runtime/device.ts';
import { Deployment } from '../endpoint/deployment.ts';
import { createOpenAiServer, type OpenAiServer } from '../endpoint/openai-server.ts';
import { backendUrlsFor, openGatewayBackends } from '../endpoint/gateway-backends.ts';
import { servingRecipe, withRecipe, type DeploymentRecipe } from '../services/serving-recipe.ts';
import { describePortHolder } from '../services/port-holder.ts';

export interface LiveDeployment {
  deployment: Deployment;
  generator: OnnxTextGenerator;
  /** Adds and drains replicas between minReplicas and maxReplicas; running only when they differ. */
  autoscaler: ReplicaAutoscaler;
}

export interface EngineServingCapability extends ServingCapability {
  deploy(request: DeployRequest, options?: DeployOptions): Promise<StartedDeployment>;
  /** Running deployments by id (tests and the CLI's serve command reach the runtime through it). */
  readonly deployments: ReadonlyMap<string, LiveDeployment>;
  /**
   * Starts again the service a stored recipe (serving-recipe.ts) describes, after an engine restart: a deployment
   * keeps its id, so endpoints restored after it find it. Rejects with a message saying what is wrong.
   */
  restore(recipe: unknown, options: RestoreOptions): Promise<ServiceHandle>;
}

export interface DeployOptions {
  /**
   * The caller waits for the model to load (the generator's whenReady()) and reports a failure itself, as
   * `crucible serve` does; the deployment then does not log it too. A pipeline's deploy node returns before the
   * model is loaded, so by default the deployment logs the failure.
   */
  callerReportsLoadFailure?: boolean;
}

export interface RestoreOptions {
  dataDir: string;
  log: DeployRequest['log'];
}

export interface ServingCapabilityOptions {
  /** The machine deploy requests resolve their device on; this one when left out (tests play others). */
  deviceEnvironment?: DeviceEnvironment;
  /** Names what holds a port an endpoint cannot listen on; the engine names its own services (port-holder.ts). */
  describePortHolder?: (port: number) => string;
}

/** What a deployment needs besides its request: the live map it joins and how devices resolve. */
interface DeployContext {
  deployments: Map<string, LiveDeployment>;
  deviceEnvironment: DeviceEnvironment | undefined;
  describePortHolder: (port: number) => string;
}

export function createServingCapability(options: ServingCapabilityOptions = {}): EngineServingCapability {
  const deployments = new Map<string, LiveDeployment>();
  const context: DeployContext = { deployments, deviceEnvironment: options.deviceEnvironment, describePortHolder: options.describePortHolder ?? ((port) => describePortHolder([], port)) };
  return {
    deployments,
    deploy: async (request, deployOptions) => deploy(request, context, deployOptions),
    startEndpoint: async (request) => startEndpoint(request, context),
    restore: async (recipe, restoreOptions) => restore(recipe, restoreOptions, context),
  };
}

async function restore(stored: unknown, { dataDir, log }: RestoreOptions, context: DeployContext): Promise<ServiceHandle> {
  const parsed = servingRecipe.safeParse(stored);
  if (!parsed.success) throw new Error(`the stored service recipe is not valid (${parsed.error.issues[0]?.message ?? 'unknown shape'}); re-run the pipeline`);
  const recipe = parsed.data;
  if (recipe.kind === 'api-endpoint') return (await startEndpoint({ config: recipe.config, deploymentIds: recipe.deploymentIds, dataDir, log }, context)).service;
  const { name } = recipe.config;
  if (!existsSync(recipe.modelDir)) throw new Error(`deployment "${name}": its model folder ${recipe.modelDir} is gone; re-run the pipeline to deploy a model again`);
  if (context.deployments.has(recipe.deploymentId)) throw new Error(`deployment "${name}": ${recipe.deploymentId} is already running`);
  const request: DeployRequest = { config: recipe.config, modelDir: recipe.modelDir, precision: recipe.precision, log };
  return (await deploy(request, context, {}, recipe.deploymentId)).service;
}

async function deploy(request: DeployRequest, { deployments, deviceEnvironment }: DeployContext, options: DeployOptions = {}, deploymentId = `dep-${randomBytes(5).toString('hex')}`): Promise<StartedDeployment> {
  const { config, modelDir, precision, log } = request;
  const { name, maxBatchSize, threads } = config;
  const range = replicaRange(config);
  const device = await resolveAndAnnounce(config.device, (notice, level) => log(`deployment "${name}": ${notice}`, level), deviceEnvironment);
  // Batch slots follow the replicas that are ready: a loading or draining replica takes no new requests. The
  // generator's constructor announces its first replicas while `deployment` is still null, before `generator` exists.
  let deployment: Deployment | null = null;
  const resize = () => deployment?.setMaxBatchSize(maxBatchSize * generator.replicaCounts().ready);
  const draft = config.draftModel === '' ? {} : { draft: { modelDir: path.resolve(config.draftModel), proposals: config.draftTokens } };
  const generator = new OnnxTextGenerator({ modelDir, modelId: name, replicas: range.initial, maxBatchSize, precision, threads, device, log, onReplicasChanged: () => resize(), ...draft });
  const autoscaler = new ReplicaAutoscaler({
    settings: scalingSettings(config),
    replicas: generator,
    readLoad: () => ({ running: deployment?.running ?? 0, queued: deployment?.queued ?? 0 }),
    slotsPerReplica: maxBatchSize,
    log,
  });
  try {
    deployment = new Deployment({ generator, maxBatchSize, maxQueue: config.maxQueue, contextLength: config.contextLength, defaults: config.defaults, scaling: () => autoscaler.snapshot(), speculation: () => generator.speculation() });
  } catch (error) {
    // The workers already started: a deployment that cannot be made (a chat template that does not parse) stops them.
    await generator.close();
    throw new Error(`deployment "${name}": ${(error as Error).message}`);
  }
  resize();
  const live: LiveDeployment = { deployment, generator, autoscaler };
  deployments.set(deploymentId, live);
  /** Whatever ends the deployment, a stop or a model that never loads, releases its workers and its id once. */
  let released: Promise<void> | null = null;
  const release = () => (released ??= (async () => {
    if (deployments.get(deploymentId) === live) deployments.delete(deploymentId);
    autoscaler.stop();
    await generator.close();
  })());
  const loaded: Promise<{ error: string } | undefined> = generator.whenReady().then(
    () => {
      const scaling = range.max > range.min ? `, scaling between ${range.min} and ${range.max}` : '';
      const speculating = config.draftModel === '' ? '' : `, speculating with the draft model ${config.draftModel} (${config.draftTokens} tokens a step)`;
      log(`deployment "${name}": model loaded in ${range.initial} worker(s) on ${onDevice(device)}${scaling}${speculating}`);
      if (range.max > range.min) autoscaler.start();
      return undefined;
    },
    async (error: Error) => {
      if (!options.callerReportsLoadFailure) log(`deployment "${name}": ${error.message}`);
      // A model that never loads ends the service: its id is free again, so it can be restarted once fixed, and the
      // workers go once every replica has said how its load ended.
      await Promise.allSettled(generator.replicas.map((replica) => replica.whenReady()));
      await release();
      return { error: error.message };
    },
  );
  const service: ServiceHandle = {
    kind: 'deployment',
    name,
    details: { deploymentId, modelDir, replicas: range.initial, minReplicas: range.min, maxReplicas: range.max, maxBatchSize, precision, device, requestedDevice: config.device },
    liveDetails: () => ({ ...replicaDetails(autoscaler), ...speculationDetails(generator.speculation()) }),
    // Only a model that never loads ends the service by itself; crashed workers restart inside it.
    exited: loaded.then((failure) => failure ?? new Promise<never>(() => undefined)),
    stop: release,
  };
  // The requested device, not the resolved one, so a restore resolves it again on whatever the machine has then.
  const recipe: DeploymentRecipe = { kind: 'deployment', deploymentId, modelDir, precision, config };
  return { deploymentId, model: name, contextLength: deployment.contextLength, device, service: withRecipe(service, recipe) };
}

function scalingSettings(config: DeployConfig): ScalingSettings {
  const { min, max } = replicaRange(config);
  const { scaleUpQueue, scaleUpTtftMs, scaleUpAfterSeconds, scaleDownAfterSeconds } = config.autoscale;
  return { minReplicas: min, maxReplicas: max, scaleUpQueue, scaleUpTtftMs, scaleUpAfterMs: scaleUpAfterSeconds * 1000, scaleDownAfterMs: scaleDownAfterSeconds * 1000 };
}

/** What the studio shows of a running deployment's replicas: counts by state and the recent scaling decisions. */
function replicaDetails(autoscaler: ReplicaAutoscaler): Record<string, unknown> {
  const { ready, loading, draining, events } = autoscaler.snapshot();
  return { replicas: ready + loading, replicaStates: { ready, loading, draining }, scalingEvents: events };
}

/** With a draft model, what the studio shows of speculative decoding: the counts, the acceptance rate and tokens per step. */
function speculationDetails(stats: SpeculativeStats | null): Record<string, unknown> {
  if (stats === null) return {};
  const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  return { speculation: { ...stats, acceptanceRate: ratio(stats.accepted, stats.proposed), tokensPerStep: ratio(stats.tokens, stats.steps) } };
}

/** "the CPU", "CUDA": how log lines name a device. */
function onDevice(device: ComputeDevice): string {
  return device === 'cpu' ? 'the CPU' : DEVICE_TITLES[device];
}

/** What the studio's serving panel shows of an endpoint's upstreams: where each is and the names clients use. */
function upstreamDetails(server: OpenAiServer): Array<{ url: string; name: string; models: string[] }> {
  return (server.gateway?.members ?? []).map((member) => ({ url: member.baseUrl.href, name: member.name, models: member.models }));
}

async function startEndpoint(request: EndpointRequest, { deployments, describePortHolder: portHolder }: DeployContext): Promise<StartedEndpoint> {
  const served = request.deploymentIds.map((id) => {
    const live = deployments.get(id);
    if (!live) throw new Error(`api-endpoint: deployment ${id} is not running (its deploy service was stopped); re-run the pipeline so its deploy node starts again`);
    return live.deployment;
  });
  const backends = await openGatewayBackends({ ...backendUrlsFor(request.config, process.env, request.backends), dataDir: request.dataDir });
  const { store } = backends;
  try {
    const server = createOpenAiServer({ config: request.config, deployments: served, store, ...(backends.limits ? { limits: backends.limits } : {}), onWarning: request.log });
    const { url } = await server.listen().catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
      const { host, port } = request.config;
      throw new Error(`api-endpoint: port ${port} on ${host} is already taken by ${portHolder(port)}`);
    });
    request.log(`api-endpoint: serving ${served.map((deployment) => deployment.model).join(', ')} at ${url}/v1 (auth: ${request.config.auth}; ${backends.describe()})`);
    const service: ServiceHandle = {
      kind: 'api-endpoint',
      name: [...served.map((deployment) => deployment.model), ...(server.gateway?.models() ?? [])].join(', '),
      url,
      details: { models: served.map((deployment) => deployment.model), auth: request.config.auth, upstreams: upstreamDetails(server) },
      stop: async () => {
        // The connections close even when close() could not write every usage row (it says how many it lost).
        try {
          await server.close();
        } finally {
          await backends.close();
        }
      },
    };
    return { url, service: withRecipe(service, { kind: 'api-endpoint', config: request.config, deploymentIds: request.deploymentIds }) };
  } catch (error) {
    await backends.close();
    throw error;
  }
}
