// Engine side of the pretrain node: trains a GPT-2 on the Tokens artifact through ctx.capabilities.training (on a
// worker thread, resuming from its last checkpoint) and returns the Hugging Face model folder as the Model artifact.
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { PretrainConfig } from '../capabilities/training.ts';
import { throttledStepProgress } from '../shared/step-progress.ts';
import { provenanceOf } from '../shared/provenance.ts';

export const pretrainRun: NodeRunOf<PretrainConfig> = { type: 'pretrain', run: runPretrain };

async function runPretrain(ctx: NodeRunContextOf<PretrainConfig>): Promise<NodeRunResult> {
  const tokens = ctx.input('tokens');
  const provenance = provenanceOf(ctx, 'pretrain', { tokens });
  const result = await ctx.capabilities.training.pretrain(
    { config: ctx.config, tokensFolder: tokens.path, tokensKey: tokens.key, dataDir: ctx.dataDir, outputFolder: ctx.outputDir('model'), provenance },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level), onStep: throttledStepProgress((update) => ctx.progress(update)) },
  );
  if (result.resumedFromStep !== null) ctx.log(`resumed from the checkpoint at step ${result.resumedFromStep}`);
  const { nLayer, nHead, nEmbd, blockSize, architecture } = ctx.config;
  const meta = { architecture, nLayer, nHead, nEmbd, blockSize, vocabSize: result.vocabSize, parameterCount: result.parameterCount, files: result.files, metrics: result.metrics };
  return { outputs: { model: { meta } }, metrics: { ...result.metrics, parameterCount: result.parameterCount } };
}
