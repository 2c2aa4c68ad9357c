// Engine side of the deploy node: starts the model's inference workers through ctx.capabilities.serving and returns
// the running deployment as a service, plus a Deployment artifact naming it for downstream api-endpoints.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactHandle, NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { checkModelFolderPath } from '../model/folder-checks.ts';
import type { DeployConfig } from './spec.ts';

/** Written into the Deployment artifact; api-endpoint reads `deploymentId` from the artifact's meta. */
export const DEPLOYMENT_FILE = 'deployment.json';

export const deployRun: NodeRunOf<DeployConfig> = { type: 'deploy', run: runDeploy, check: (context) => checkModelFolderPath(context.config.draftModel, 'draftModel') };

async function runDeploy(ctx: NodeRunContextOf<DeployConfig>): Promise<NodeRunResult> {
  const model = ctx.input('model');
  const precision = precisionOf(model);
  const started = await ctx.capabilities.serving.deploy({ config: ctx.config, modelDir: model.path, precision, log: (line, level) => ctx.log(line, level) });
  const meta = { deploymentId: started.deploymentId, model: started.model, contextLength: started.contextLength, precision, device: started.device, modelKey: model.key };
  await writeFile(path.join(ctx.outputDir('deployment'), DEPLOYMENT_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  return { outputs: { deployment: { meta } }, service: started.service };
}

/** A quantize node's Model records `quantization.scheme`; every other Model is served from its float32 decoder. */
function precisionOf(model: ArtifactHandle): DecoderPrecision {
  const scheme = (model.meta.quantization as { scheme?: unknown } | undefined)?.scheme;
  if (scheme === 'int4') return 'q4';
  if (scheme === 'int8') return 'int8';
  return 'float32';
}
