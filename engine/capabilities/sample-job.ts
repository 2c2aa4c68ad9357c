// Samples while training, from the sample fields every training node shares (nodes/shared/fields.ts) to the trainer's
// SampleJob (engine/ml/train/sample-generator.ts). The torch runner writes no samples.
import type { SampleJob } from '../ml/train/sample-generator.ts';

/** None when sampleTokens is 0, or without a tokenizer file to encode the prompt with. */
export function sampleJobFrom(config: { samplePrompt: string; sampleTokens: number }, tokenizerJsonPath: string | null | undefined): SampleJob | undefined {
  if (config.sampleTokens === 0 || !tokenizerJsonPath) return undefined;
  return { prompt: config.samplePrompt, maxNewTokens: config.sampleTokens, tokenizerJsonPath };
}
