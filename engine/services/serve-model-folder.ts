// Deploy plus endpoint for one model folder without a pipeline: what `crucible serve MODEL_DIR` runs, through the
// same ServingService the deploy and api-endpoint nodes use.
import type { z } from 'zod';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import type { DecoderPrecision, ServingDevice } from '../../nodes/services/serving-service.ts';
import { recordedPrecision } from '../inference/model-files.ts';
import { createServingService, type LiveDeployment } from './serving-service.ts';

export interface ServeModelFolderOptions {
  modelDir: string;
  /** Which decoder to serve; by default the one a quantize node made the folder for, else float32. */
  precision?: DecoderPrecision;
  /** The deploy node's config; defaults fill the rest. */
  deploy?: z.input<typeof deployConfig>;
  /** The api-endpoint node's config; defaults fill the rest. */
  endpoint?: z.input<typeof apiEndpointConfig>;
  dataDir: string;
  log: (line: string) => void;
}

export interface ServedModelFolder {
  url: string;
  model: string;
  precision: DecoderPrecision;
  /** Where the workers run, after resolving the deploy config's `device`. */
  device: ServingDevice;
  live: LiveDeployment;
  /** Resolves once the workers have the model loaded (until then /health answers 503 "loading"). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function serveModelFolder(options: ServeModelFolderOptions): Promise<ServedModelFolder> {
  const deploy = deployConfig.parse(options.deploy ?? {});
  const endpoint = apiEndpointConfig.parse(options.endpoint ?? {});
  const serving = createServingService();
  const precision = options.precision ?? recordedPrecision(options.modelDir);
  const deployment = await serving.deploy({ ...deploy, threadsPerReplica: deploy.threads, modelDir: options.modelDir, precision, log: options.log });
  try {
    const started = await serving.startEndpoint({ config: endpoint, deploymentIds: [deployment.deploymentId], dataDir: options.dataDir, log: options.log });
    const live = serving.deployments.get(deployment.deploymentId)!;
    return {
      url: started.url,
      model: deployment.model,
      precision,
      device: deployment.device,
      live,
      ready: live.generator.whenReady(),
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
