// What the pretrain, distill, finetune and evaluate nodes ask of the engine (ctx.capabilities.training): train a GPT-2
// from token shards (alone, as a teacher's student, or from a model's weights) into a Hugging Face model folder, and
// evaluate a model folder. Types only; engine/capabilities/training-capability.ts implements it.
import type { z } from 'zod';
import type { DistillationReport, EvaluationResult, TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { distillConfig } from '../distill/spec.ts';
import type { evaluateConfig } from '../evaluate/spec.ts';
import type { finetuneConfig } from '../finetune/spec.ts';
import type { pretrainConfig } from '../pretrain/spec.ts';

export type PretrainConfig = z.output<typeof pretrainConfig>;
export type EvaluateConfig = z.output<typeof evaluateConfig>;
export type DistillConfig = z.output<typeof distillConfig>;
export type FinetuneConfig = z.output<typeof finetuneConfig>;

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

export interface DistillResult extends PretrainResult {
  report: DistillationReport;
}

export interface FinetuneRequest extends Omit<PretrainRequest, 'config'> {
  config: FinetuneConfig;
  /** The base Model artifact folder and key (another base model never resumes this one's checkpoint). */
  modelFolder: string;
  modelKey: string;
}

export interface FinetuneResult extends PretrainResult {
  method: FinetuneConfig['method'];
  /** The parameters the run trained: all of them for full, the adapters' for LoRA (parameterCount is the merged model's). */
  trainedParameterCount: number;
  /** The fine-tuned model's family and shape: the base model's (blockSize is its context, the position table's length). */
  shape: { architecture: 'gpt2' | 'llama'; nLayer: number; nHead: number; nEmbd: number; blockSize: number };
  /** Tokens per training window: config.blockSize, or the model's context when it was left empty. */
  windowSize: number;
}

export interface EvaluateRequest {
  config: EvaluateConfig;
  modelFolder: string;
  tokensFolder: string;
  /** The config's multipleChoice resolved to an absolute path (against the pipeline's folder); null for none. */
  multipleChoiceFile: string | null;
}

export interface TrainingCapability {
  pretrain(request: PretrainRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<PretrainResult>;
  distill(request: DistillRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<DistillResult>;
  finetune(request: FinetuneRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<FinetuneResult>;
  evaluate(request: EvaluateRequest, hooks: JobHooks): Promise<EvaluationResult>;
}
