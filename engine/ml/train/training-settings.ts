// What one pretraining run needs: the model shape, batching, optimizer, schedule, evaluation and checkpoint
// settings (the pretrain node's config fields) plus where the data and checkpoints live.

import { createHash } from 'node:crypto';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { DistillationJob } from '../distill/distillation-setup.ts';
import type { Gpt2Config } from '../gpt2/config.ts';

/** The model-shape part of the settings: the GPT-2 config fields a run chooses (the vocabulary comes from the data). */
export type ModelShapeSettings = Pick<Gpt2Config, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize' | 'dropout' | 'bias'>;

export interface TrainingSettings extends ModelShapeSettings {
  batchSize: number;
  gradAccumSteps: number;
  maxSteps: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
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
  /** Where checkpoints go; an existing compatible checkpoint there is resumed. */
  checkpointDir: string;
  /** Where the sessions run, resolved before the job starts (runtime/device.ts); the CPU when absent. Not in the fingerprint. */
  device?: ComputeDevice;
  /** Activation memory a step may keep before batches are split into chunks (memory-plan.ts); a constant by default. */
  activationBudgetBytes?: number;
  /** Train the model as a student of this teacher (the distill node) instead of on the targets alone. */
  distillation?: DistillationJob;
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
