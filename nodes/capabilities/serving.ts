// What the deploy and api-endpoint nodes ask of the engine (ctx.capabilities.serving): load a model folder into
// inference workers as a deployment, and serve deployments over an OpenAI-compatible API; each is a long-running
// service the engine keeps. Types only; engine/capabilities/serving-capability.ts implements it.
import type { z } from 'zod';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { apiEndpointConfig } from '../api-endpoint/spec.ts';
import type { DeployConfig } from '../deploy/spec.ts';

/** The device a deploy node asks for; the engine resolves it (`auto` or a missing GPU end on a device it has). */
export type RequestedServingDevice = DeployConfig['device'];
/** The device a deployment's workers really run on. */
export type ServingDevice = Exclude<RequestedServingDevice, 'auto'>;

export interface DeployRequest {
  /** The deploy node's config, defaults applied (its spec is the one definition of every field and default). */
  config: DeployConfig;
  /** A Model artifact's folder (Hugging Face layout with onnx/ and tokenizer.json). */
  modelDir: string;
  /** Which of the folder's decoders to load. */
  precision: DecoderPrecision;
  /** 'warn' marks a line the user should act on, e.g. a requested GPU that is missing. */
  log: (line: string, level?: LogLevel) => void;
}

export interface StartedDeployment {
  /** Names this live deployment for api-endpoints (recorded in the Deployment artifact's meta). */
  deploymentId: string;
  model: string;
  contextLength: number;
  /** The device the workers load the model on, after resolving the request's `device`. */
  device: ServingDevice;
  /** Stops the workers. The deployment answers "loading" until its workers have the model in. */
  service: ServiceHandle;
}

export interface EndpointRequest {
  config: z.output<typeof apiEndpointConfig>;
  /** Ids of running deployments (StartedDeployment.deploymentId). */
  deploymentIds: string[];
  /** The engine's data directory: API keys and the usage log live in its crucible.db unless a store URL is given. */
  dataDir: string;
  /** Store and limits URLs given at launch (`crucible serve --store/--limits`); they win over the config's storeEnv/limitsEnv and are never recorded in a recipe. */
  backends?: { store?: string | null; limits?: string | null };
  log: (line: string) => void;
}

export interface StartedEndpoint {
  url: string;
  service: ServiceHandle;
}

export interface ServingCapability {
  /** Rejects at once when the folder is not servable; the model itself loads in the background. */
  deploy(request: DeployRequest): Promise<StartedDeployment>;
  /** Rejects when a deployment id is unknown (its deploy service was stopped) or the port is taken. */
  startEndpoint(request: EndpointRequest): Promise<StartedEndpoint>;
}
