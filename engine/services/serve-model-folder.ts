// Deploy plus endpoint for one model folder without a pipeline: what `crucible serve MODEL_DIR` runs, through the
// same ServingCapability the deploy and api-endpoint nodes use. The endpoint opens only once the model has loaded.
import type { z } from 'zod';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import type { ServingDevice } from '../../nodes/capabilities/serving.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { recordedPrecision } from '../inference/model-files.ts';
import { createServingCapability, type LiveDeployment } from '../capabilities/serving-capability.ts';

export interface ServeModelFolderOptions {
  modelDir: string;
  /** Which decoder to serve; by default the one a quantize node made the folder for, else float32. */
  precision?: DecoderPrecision;
  /** The deploy node's config; defaults fill the rest. */
  deploy?: z.input<typeof deployConfig>;
  /** The api-endpoint node's config; defaults fill the rest. */
  endpoint?: z.input<typeof apiEndpointConfig>;
  dataDir: string;
  /** Store and limits URLs shared with other gateways (PostgreSQL, Redis); left out, the data directory's and this process's. */
  backends?: { store?: string | null; limits?: string | null };
  log: (line: string) => void;
  /** Aborting it while the model loads stops the deployment and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ServedModelFolder {
  url: string;
  model: string;
  precision: DecoderPrecision;
  /** Where the workers run, after resolving the deploy config's `device`. */
  device: ServingDevice;
  live: LiveDeployment;
  stop(): Promise<void>;
}

/**
 * Resolves once the model is loaded in every worker and the endpoint listens; rejects with the load failure (one
 * message naming the file) before any endpoint opens, having stopped the workers.
 */
export async function serveModelFolder(options: ServeModelFolderOptions): Promise<ServedModelFolder> {
  const endpoint = apiEndpointConfig.parse(options.endpoint ?? {});
  const serving = createServingCapability();
  const precision = options.precision ?? recordedPrecision(options.modelDir);
  const request = { config: deployConfig.parse(options.deploy ?? {}), modelDir: options.modelDir, precision, log: options.log };
  const deployment = await serving.deploy(request, { callerReportsLoadFailure: true });
  try {
    const live = serving.deployments.get(deployment.deploymentId)!;
    await untilLoaded(live, options.signal);
    const started = await serving.startEndpoint({ config: endpoint, deploymentIds: [deployment.deploymentId], dataDir: options.dataDir, ...(options.backends ? { backends: options.backends } : {}), log: options.log });
    return {
      url: started.url,
      model: deployment.model,
      precision,
      device: deployment.device,
      live,
      stop: async () => {
        await started.service.stop();
        await deployment.service.stop();
      },
    };
  } catch (error) {
    await deployment.service.stop();
    throw error;
  }
}

function untilLoaded(live: LiveDeployment, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return live.generator.whenReady();
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    live.generator.whenReady().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
