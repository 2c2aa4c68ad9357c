// Config fields several node specs share (device choice, the training schedule, sampling), defined once so the nodes
// that use them stay in step. Browser-safe: zod and app/ only.
import { z } from 'zod';
import { GPT2_DEFAULTS } from '../../app/models/gpt2-defaults.ts';
import type { ConfigProblem } from '../../app/nodes/spec.ts';

export const deviceField = z
  .enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'])
  .default('auto')
  .describe('Where to run: auto picks CUDA, then DirectML (Windows), CoreML (macOS), WebGPU, then the CPU.');

/** A thread count for ONNX Runtime; 0 lets it use every core. */
export const threadCount = z.number().int().min(0).max(256);

export const threadsField = threadCount.default(0).describe('CPU threads for the runtime; 0 uses every core.');

export const seedField = z.number().int().min(0).max(2 ** 31 - 1).default(1337).describe('Random seed; the same seed gives the same result.');

/** Sequences per batch, for training and for measuring a model; each node describes it in its own words. */
export const batchSizeField = z.number().int().min(1).max(4096).default(12);

/** Sampling temperature (0 is greedy), for a node that samples or a deployment's default; each node describes it. */
export const temperatureField = z.number().min(0).max(2).default(0.8);

/** Sampling among the k most likely tokens (0 means all); each node describes it in its own words. */
export const topKField = z.number().int().min(0).max(1_000_000).default(200);

/** The optimisation schedule, batching, evaluation and checkpoint fields of every training node. */
export const trainingFields = {
  batchSize: batchSizeField.describe('Sequences per micro-batch.'),
  gradAccumSteps: z.number().int().min(1).max(1024).default(1).describe('Micro-batches whose gradients are summed before each optimizer step.'),
  maxSteps: z.number().int().min(1).max(10_000_000).default(2000).describe('Optimizer steps to train for.'),
  learningRate: z.number().positive().max(10).default(1e-3).describe('Peak learning rate, reached after warmup.'),
  minLearningRate: z.number().min(0).max(10).default(1e-4).describe('Learning rate at the end of the cosine decay.'),
  warmupSteps: z.number().int().min(0).max(10_000_000).default(100).describe('Steps of linear warmup from 0 to the peak learning rate.'),
  weightDecay: z.number().min(0).max(10).default(0.1).describe('AdamW decoupled weight decay, applied only to weights with 2 or more dimensions.'),
  beta1: z.number().min(0).lt(1).default(0.9).describe('AdamW first-moment decay.'),
  beta2: z.number().min(0).lt(1).default(0.99).describe('AdamW second-moment decay.'),
  gradClip: z.number().min(0).max(1e6).default(1.0).describe('Clip the global gradient norm to this value; 0 turns clipping off.'),
  evalInterval: z.number().int().min(1).max(10_000_000).default(250).describe('Measure train and val loss every this many steps.'),
  evalBatches: z.number().int().min(1).max(10_000).default(20).describe('Batches averaged for each loss measurement.'),
  checkpointInterval: z.number().int().min(1).max(10_000_000).default(500).describe('Write a resumable checkpoint every this many steps (and at the end).'),
  samplePrompt: z.string().max(2000).default('\n').describe('At each evaluation the model continues this text; the sample shows in the log and the Samples tab.'),
  sampleTokens: z.number().int().min(0).max(1024).default(48).describe('Tokens generated for each sample (temperature 0.8, top-k 200); 0 writes no samples.'),
  seed: seedField,
  device: deviceField,
  threads: threadsField,
};

/**
 * Training fields that change how a run goes, not the weights it ends with: the trainer's checkpoint fingerprint
 * leaves threads and the checkpoint interval out (a resume with others is bit-identical), and samples only show in
 * the log. A training node's cache key takes them at their defaults (`cacheNeutralFields`).
 */
export const CACHE_NEUTRAL_TRAINING_FIELDS = ['threads', 'checkpointInterval', 'samplePrompt', 'sampleTokens'] as const;

/** The training fields that ask for samples while training: the engine hands them to the trainer apart from its settings. */
export type SampleFieldName = 'samplePrompt' | 'sampleTokens';

/**
 * The learning-rate schedule must make sense; shared by every training node's config check. A warmup as long as the
 * run is allowed (a quick trial run) but warned about: the rate then never reaches its peak and never decays.
 */
export function checkSchedule(config: { learningRate: number; minLearningRate: number; warmupSteps: number; maxSteps: number }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.minLearningRate > config.learningRate) problems.push({ field: 'minLearningRate', message: `${config.minLearningRate} must not exceed learningRate (${config.learningRate})` });
  if (config.warmupSteps >= config.maxSteps) {
    problems.push({
      field: 'warmupSteps',
      code: 'schedule_never_decays',
      severity: 'warning',
      message: `${config.warmupSteps} warmup steps cover the whole run (maxSteps ${config.maxSteps}): the learning rate only climbs, never reaches learningRate and never decays. Lower warmupSteps (e.g. ${Math.max(0, Math.floor(config.maxSteps / 10))}) or raise maxSteps`,
    });
  }
  return problems;
}

/** The transformer shape fields; the divisibility rule is checked by `checkArchitecture`. */
export function architectureFields(defaults: { nLayer: number; nHead: number; nEmbd: number }) {
  return {
    nLayer: z.number().int().min(1).max(128).default(defaults.nLayer).describe('Transformer blocks.'),
    nHead: z.number().int().min(1).max(128).default(defaults.nHead).describe('Attention heads per block.'),
    nEmbd: z.number().int().min(8).max(16_384).default(defaults.nEmbd).describe('Width of the residual stream; must be divisible by nHead.'),
  };
}

/** Dropout of the model a node trains; each node describes it in its own words. */
export const dropoutField = z.number().min(0).max(0.9).default(GPT2_DEFAULTS.dropout);

/** Biases in the linear layers and LayerNorms of the model a node trains; each node describes it in its own words. */
export const biasField = z.boolean().default(GPT2_DEFAULTS.bias);

export function checkArchitecture(config: { nHead: number; nEmbd: number }) {
  if (config.nEmbd % config.nHead === 0) return [];
  return [{ field: 'nEmbd', message: `${config.nEmbd} must be divisible by nHead (${config.nHead})` }];
}
