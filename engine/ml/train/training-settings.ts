// What one training run needs: the model shape, batching, optimizer, schedule, evaluation and checkpoint settings
// plus where the data and checkpoints live. The ML core's own type, built from the types of the parts that read each
// setting; the pretrain and distill nodes' configs are checked to map onto it field for field (engine/capabilities).

import { createHash } from 'node:crypto';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { DistillationJob } from '../distill/distillation-setup.ts';
import type { FinetuneJob } from './finetune-setup.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { LlamaConfig } from '../llama/config.ts';
import type { AdamWHyperparameters } from '../optim/adamw.ts';
import type { LearningRateSchedule } from './lr-schedule.ts';
import type { SampleJob } from './sample-generator.ts';

/** The model's shape as a run chooses it; the vocabulary comes from the data. */
export type ModelShapeSettings = Pick<Gpt2Config, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize' | 'dropout' | 'bias'>;
/**
 * A Llama's own fields as a pretraining run chooses them (the shared shape is in the settings); llamaConfig's defaults
 * fill in those left out.
 */
export type LlamaShapeSettings = Partial<Pick<LlamaConfig, 'nKvHead' | 'intermediateSize' | 'ropeTheta' | 'tieEmbeddings'>>;
/** AdamW's choices a run makes; epsilon is fixed (ADAMW_EPSILON). */
export type OptimizerSettings = Pick<AdamWHyperparameters, 'beta1' | 'beta2' | 'weightDecay'>;
/** The schedule's choices a run makes; it decays over `maxSteps`. */
export type ScheduleSettings = Pick<LearningRateSchedule, 'learningRate' | 'minLearningRate' | 'warmupSteps'>;

export interface TrainingSettings extends ModelShapeSettings, OptimizerSettings, ScheduleSettings {
  /** Rows per micro-batch. */
  batchSize: number;
  /** Micro-batches whose gradients are summed into one optimizer step. */
  gradAccumSteps: number;
  maxSteps: number;
  /** The global gradient norm is clipped to this; 0 turns clipping off. */
  gradClip: number;
  evalInterval: number;
  evalBatches: number;
  checkpointInterval: number;
  seed: number;
  /** ORT intra-op threads; 0 lets ORT use every core. */
  threads: number;
}

export interface TrainingJob {
  settings: TrainingSettings;
  /** Shard bases (without .bin/.json). */
  trainShard: string;
  valShard: string;
  /**
   * Each split's loss mask file (tokens-artifact.ts), for a chat corpus whose user turns are context only: the step
   * and the evaluation then weigh each target by it. Both or neither.
   */
  trainMask?: string | null;
  valMask?: string | null;
  /** Where checkpoints go; an existing compatible checkpoint there is resumed. */
  checkpointDir: string;
  /** Where the sessions run, resolved before the job starts (runtime/device.ts); the CPU when absent. Not in the fingerprint. */
  device?: ComputeDevice;
  /** Activation memory a step may keep before batches are split into chunks (memory-plan.ts); a constant by default. */
  activationBudgetBytes?: number;
  /** Train the model as a student of this teacher (the distill node) instead of on the targets alone. */
  distillation?: DistillationJob;
  /**
   * Pretrain a Llama instead of a GPT-2 (the settings' nLayer, nHead, nEmbd, blockSize and dropout apply, bias does
   * not). It enters the checkpoint fingerprint. Absent: GPT-2.
   */
  llama?: LlamaShapeSettings;
  /**
   * Continue training a model folder's weights (the finetune node): every weight, or LoRA adapters on frozen ones. Its
   * shape settings (nLayer, nHead, nEmbd, bias) must be the folder's; blockSize is the window, at most its context.
   */
  finetune?: FinetuneJob;
  /** Continue a prompt at each evaluation and log it (sample-generator.ts); none when absent. Not in the fingerprint. */
  sample?: SampleJob;
}

/** Settings that do not change the trajectory: changing them keeps a checkpoint resumable. */
const TRAJECTORY_NEUTRAL: ReadonlySet<keyof TrainingSettings> = new Set(['threads', 'evalInterval', 'evalBatches', 'checkpointInterval']);

/** A hash of everything the sequence of weights depends on: the trajectory settings and the data's identity. */
export function trainingFingerprint(settings: TrainingSettings, dataIdentity: unknown): string {
  const relevant = Object.fromEntries(
    Object.entries(settings)
      .filter(([key]) => !TRAJECTORY_NEUTRAL.has(key as keyof TrainingSettings))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(JSON.stringify({ relevant, dataIdentity })).digest('hex').slice(0, 32);
}
