// What the pretrain, distill and evaluate nodes ask of the engine (ctx.services.training): train a GPT-2 from token
// shards (alone or as a teacher's student) into a Hugging Face model folder, and evaluate a model folder. Types only; engine/services/training-service.ts implements it.
import type { z } from 'zod';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { distillConfig } from '../distill/spec.ts';
import type { evaluateConfig } from '../evaluate/spec.ts';
import type { pretrainConfig } from '../pretrain/spec.ts';

export type PretrainConfig = z.output<typeof pretrainConfig>;
export type EvaluateConfig = z.output<typeof evaluateConfig>;
export type DistillConfig = z.output<typeof distillConfig>;

/** One optimizer step as the trainer reports it; `trainLoss`/`valLoss` only on evaluation steps. */
export interface TrainingStepReport {
  step: number;
  maxSteps: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  tokensPerSec: number;
  etaMs: number;
  trainLoss?: number;
  valLoss?: number;
  /** A distillation step's loss split into its KD (T²·KL) and cross-entropy terms. */
  kdLoss?: number;
  ceLoss?: number;
}

export interface JobHooks {
  signal: AbortSignal;
  log(line: string, level?: LogLevel): void;
}

export interface PretrainRequest {
  config: PretrainConfig;
  /** The Tokens artifact folder: train/val shards and the tokenizer that made them. */
  tokensFolder: string;
  /** Identifies the input data; checkpoints are kept per (data, settings) so a cancelled run resumes. */
  tokensKey: string;
  /** The engine data directory, where checkpoints live until the run succeeds. */
  dataDir: string;
  /** The model artifact folder to write. */
  outputFolder: string;
  /** Recorded in the model's crucible-provenance.json (node, config, input keys); metrics are added. */
  provenance: Record<string, unknown>;
}

export interface PretrainResult {
  metrics: Record<string, number>;
  resumedFromStep: number | null;
  files: string[];
  parameterCount: number;
  vocabSize: number;
}

export interface DistillRequest extends Omit<PretrainRequest, 'config'> {
  config: DistillConfig;
  /** The teacher's Model artifact folder and key (a new teacher never resumes another's checkpoint). */
  teacherFolder: string;
  teacherKey: string;
}

/** One model's side of the distillation report. */
export interface DistilledModelSide {
  parameters: number;
  /** Mean loss on the same fixed validation windows for both models. */
  valLoss: number;
  /** Batch-1 decode speed of the exported decoder, one thread. */
  decodeTokensPerSec: number;
}

export interface DistillationReport {
  teacher: DistilledModelSide;
  student: DistilledModelSide;
  /** student parameters / teacher parameters. */
  parameterRatio: number;
  /** student decode tokens/s / teacher decode tokens/s. */
  decodeSpeedup: number;
}

export interface DistillResult extends PretrainResult {
  report: DistillationReport;
}

export interface EvaluateRequest {
  config: EvaluateConfig;
  modelFolder: string;
  tokensFolder: string;
}

export interface EvaluationResult {
  /** The decoder file scored (relative to the model folder) and its precision, e.g. "int8 (MatMulNBits, block 32)". */
  decoder: string;
  precision: string;
  valLoss: number;
  perplexity: number;
  bitsPerToken: number;
  bitsPerCharacter: number | null;
  bitsPerByte: number | null;
  tokensScored: number;
  samples: { prompt: string; text: string; tokens: number }[];
}

export interface TrainingService {
  pretrain(request: PretrainRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<PretrainResult>;
  distill(request: DistillRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<DistillResult>;
  evaluate(request: EvaluateRequest, hooks: JobHooks): Promise<EvaluationResult>;
}
