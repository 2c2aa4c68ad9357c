// The engine's ServingService (nodes/services/serving-service.ts): deployments are ONNX runtimes in worker threads
// (engine/inference) kept by id while they run; endpoints are OpenAI-compatible servers (engine/serving) over them.
import { randomBytes } from 'node:crypto';
import type { DeployRequest, EndpointRequest, ServingService, StartedDeployment, StartedEndpoint } from '../../nodes/services/serving-service.ts';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { Deployment } from '../serving/deployment.ts';
import { createOpenAiServer } from '../serving/openai-server.ts';
import { ServingStore } from '../serving/store/serving-store.ts';

export interface LiveDeployment {
  deployment: Deployment;
  generator: OnnxTextGenerator;
}

export interface EngineServingService extends ServingService {
  /** Running deployments by id (tests and the CLI's serve command reach the runtime through it). */
  readonly deployments: ReadonlyMap<string, LiveDeployment>;
}

export function createServingService(): EngineServingService {
  const deployments = new Map<string, LiveDeployment>();
  return {
    deployments,
    deploy: async (request) => deploy(request, deployments),
    startEndpoint: async (request) => startEndpoint(request, deployments),
  };
}

function deploy(request: DeployRequest, deployments: Map<string, LiveDeployment>): StartedDeployment {
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
  const deploymentId = `dep-${randomBytes(5).toString('hex')}`;
  deployments.set(deploymentId, { deployment, generator });
  const loaded = generator.whenReady().then(
    () => request.log(`deployment "${request.name}": model loaded in ${request.replicas} worker(s)`),
    (error: Error) => {
      request.log(`deployment "${request.name}": ${error.message}`);
      return { error: error.message };
    },
  );
  return {
    deploymentId,
    model: request.name,
    contextLength: deployment.contextLength,
    service: {
      kind: 'deployment',
      name: request.name,
      details: { deploymentId, modelDir: request.modelDir, replicas: request.replicas, maxBatchSize: request.maxBatchSize, precision: request.precision },
      // Only a model that never loads ends the service by itself; crashed workers restart inside it.
      exited: loaded.then((failure) => failure ?? new Promise<never>(() => undefined)),
      stop: async () => {
        deployments.delete(deploymentId);
        await generator.close();
      },
    },
  };
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
    return {
      url,
      service: {
        kind: 'api-endpoint',
        name: served.map((deployment) => deployment.model).join(', '),
        url,
        details: { models: served.map((deployment) => deployment.model), auth: request.config.auth },
        stop: async () => {
          await server.close();
          store.close();
        },
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
