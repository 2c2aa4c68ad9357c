// Engine side of the finetune node: trains the Model input on the Tokens artifact through ctx.capabilities.training
// (a worker thread; resumable) and returns the fine-tuned model folder, LoRA merged in, as the Model artifact.
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { FinetuneConfig } from '../capabilities/training.ts';
import { throttledStepProgress } from '../shared/step-progress.ts';
import { provenanceOf } from '../shared/provenance.ts';

export const finetuneRun: NodeRunOf<FinetuneConfig> = { type: 'finetune', run: runFinetune };

async function runFinetune(ctx: NodeRunContextOf<FinetuneConfig>): Promise<NodeRunResult> {
  const model = ctx.input('model');
  const tokens = ctx.input('tokens');
  const provenance = provenanceOf(ctx, 'finetune', { model, tokens });
  const result = await ctx.capabilities.training.finetune(
    { config: ctx.config, modelFolder: model.path, modelKey: model.key, tokensFolder: tokens.path, tokensKey: tokens.key, dataDir: ctx.dataDir, outputFolder: ctx.outputDir('model'), provenance },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level), onStep: throttledStepProgress((update) => ctx.progress(update)) },
  );
  if (result.resumedFromStep !== null) ctx.log(`resumed from the checkpoint at step ${result.resumedFromStep}`);
  const share = ((100 * result.trainedParameterCount) / result.parameterCount).toFixed(2);
  ctx.log(`${result.method === 'lora' ? 'LoRA' : 'full'} fine-tuning trained ${result.trainedParameterCount.toLocaleString('en-US')} of ${result.parameterCount.toLocaleString('en-US')} parameters (${share}%) on windows of ${result.windowSize} tokens`);
  const { method } = ctx.config;
  const meta = {
    ...result.shape,
    vocabSize: result.vocabSize,
    parameterCount: result.parameterCount,
    files: result.files,
    metrics: result.metrics,
    finetune: { method, trainedParameterCount: result.trainedParameterCount, windowSize: result.windowSize, baseModelKey: model.key },
  };
  return { outputs: { model: { meta } }, metrics: { ...result.metrics, parameterCount: result.parameterCount, trainedParameterCount: result.trainedParameterCount } };
}
