// The engine's ServingService (nodes/services/serving-service.ts): deployments are ONNX runtimes in worker threads
// (engine/inference) kept by id while they run; endpoints are OpenAI-compatible servers (engine/serving) over them.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { DeployRequest, EndpointRequest, ServingService, StartedDeployment, StartedEndpoint } from '../../nodes/services/serving-service.ts';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { Deployment } from '../serving/deployment.ts';
import { createOpenAiServer } from '../serving/openai-server.ts';
import { ServingStore } from '../serving/store/serving-store.ts';
import { servingRecipe, withRecipe, type DeploymentRecipe } from './serving-recipe.ts';

export interface LiveDeployment {
  deployment: Deployment;
  generator: OnnxTextGenerator;
}

export interface EngineServingService extends ServingService {
  /** Running deployments by id (tests and the CLI's serve command reach the runtime through it). */
  readonly deployments: ReadonlyMap<string, LiveDeployment>;
  /**
   * Starts again the service a stored recipe (serving-recipe.ts) describes, after an engine restart: a deployment
   * keeps its id, so endpoints restored after it find it. Rejects with a message saying what is wrong.
   */
  restore(recipe: unknown, options: { dataDir: string; log: (line: string) => void }): Promise<ServiceHandle>;
}

export function createServingService(): EngineServingService {
  const deployments = new Map<string, LiveDeployment>();
  return {
    deployments,
    deploy: async (request) => deploy(request, deployments),
    startEndpoint: async (request) => startEndpoint(request, deployments),
    restore: async (recipe, options) => restore(recipe, options, deployments),
  };
}

async function restore(stored: unknown, { dataDir, log }: { dataDir: string; log: (line: string) => void }, deployments: Map<string, LiveDeployment>): Promise<ServiceHandle> {
  const parsed = servingRecipe.safeParse(stored);
  if (!parsed.success) throw new Error(`the stored service recipe is not valid (${parsed.error.issues[0]?.message ?? 'unknown shape'}); re-run the pipeline`);
  const recipe = parsed.data;
  if (recipe.kind === 'api-endpoint') return (await startEndpoint({ config: recipe.config, deploymentIds: recipe.deploymentIds, dataDir, log }, deployments)).service;
  if (!existsSync(recipe.modelDir)) throw new Error(`deployment "${recipe.name}": its model folder ${recipe.modelDir} is gone; re-run the pipeline to deploy a model again`);
  if (deployments.has(recipe.deploymentId)) throw new Error(`deployment "${recipe.name}": ${recipe.deploymentId} is already running`);
  return deploy({ ...recipe, log }, deployments, recipe.deploymentId).service;
}

function deploy(request: DeployRequest, deployments: Map<string, LiveDeployment>, deploymentId = `dep-${randomBytes(5).toString('hex')}`): StartedDeployment {
  const generator = new OnnxTextGenerator({
    modelDir: request.modelDir,
    modelId: request.name,
    replicas: request.replicas,
    maxBatchSize: request.maxBatchSize,
    precision: request.precision,
    threadsPerReplica: request.threadsPerReplica ?? 1,
    log: request.log,
  });
  const deployment = new Deployment({ generator, maxBatchSize: request.maxBatchSize * request.replicas, maxQueue: request.maxQueue, contextLength: request.contextLength, defaults: request.defaults });
  deployments.set(deploymentId, { deployment, generator });
  const loaded: Promise<{ error: string } | undefined> = generator.whenReady().then(
    () => {
      request.log(`deployment "${request.name}": model loaded in ${request.replicas} worker(s)`);
      return undefined;
    },
    (error: Error) => {
      request.log(`deployment "${request.name}": ${error.message}`);
      return { error: error.message };
    },
  );
  const service: ServiceHandle = {
    kind: 'deployment',
    name: request.name,
    details: { deploymentId, modelDir: request.modelDir, replicas: request.replicas, maxBatchSize: request.maxBatchSize, precision: request.precision },
    // Only a model that never loads ends the service by itself; crashed workers restart inside it.
    exited: loaded.then((failure) => failure ?? new Promise<never>(() => undefined)),
    stop: async () => {
      deployments.delete(deploymentId);
      await generator.close();
    },
  };
  return { deploymentId, model: request.name, contextLength: deployment.contextLength, service: withRecipe(service, deploymentRecipeOf(request, deploymentId)) };
}

function deploymentRecipeOf(request: DeployRequest, deploymentId: string): DeploymentRecipe {
  const { modelDir, name, replicas, maxBatchSize, maxQueue, contextLength, defaults, precision, threadsPerReplica } = request;
  const recipe: DeploymentRecipe = { kind: 'deployment', deploymentId, modelDir, name, replicas, maxBatchSize, maxQueue, contextLength, defaults, precision };
  if (threadsPerReplica !== undefined) recipe.threadsPerReplica = threadsPerReplica;
  return recipe;
}

async function startEndpoint(request: EndpointRequest, deployments: Map<string, LiveDeployment>): Promise<StartedEndpoint> {
  const served = request.deploymentIds.map((id) => {
    const live = deployments.get(id);
    if (!live) throw new Error(`api-endpoint: deployment ${id} is not running (its deploy service was stopped); re-run the pipeline so its deploy node starts again`);
    return live.deployment;
  });
  const store = ServingStore.open({ dataDir: request.dataDir });
  try {
    const server = createOpenAiServer({ config: request.config, deployments: served, store, onWarning: request.log });
    const { url } = await server.listen();
    request.log(`api-endpoint: serving ${served.map((deployment) => deployment.model).join(', ')} at ${url}/v1 (auth: ${request.config.auth})`);
    const service: ServiceHandle = {
      kind: 'api-endpoint',
      name: served.map((deployment) => deployment.model).join(', '),
      url,
      details: { models: served.map((deployment) => deployment.model), auth: request.config.auth },
      stop: async () => {
        await server.close();
        store.close();
      },
    };
    return { url, service: withRecipe(service, { kind: 'api-endpoint', config: request.config, deploymentIds: request.deploymentIds }) };
  } catch (error) {
    store.close();
    throw error;
  }
}
