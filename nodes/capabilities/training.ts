// What the pretrain, distill and evaluate nodes ask of the engine (ctx.capabilities.training): train a GPT-2 from
// token shards (alone or as a teacher's student) into a Hugging Face model folder, and evaluate a model folder. Types
// only; engine/capabilities/training-capability.ts implements it.
import type { z } from 'zod';
import type { DistillationReport, EvaluationResult, TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { distillConfig } from '../distill/spec.ts';
import type { evaluateConfig } from '../evaluate/spec.ts';
import type { pretrainConfig } from '../pretrain/spec.ts';

export type PretrainConfig = z.output<typeof pretrainConfig>;
export type EvaluateConfig = z.output<typeof evaluateConfig>;
export type DistillConfig = z.output<typeof distillConfig>;

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

export interface EvaluateRequest {
  config: EvaluateConfig;
  modelFolder: string;
  tokensFolder: string;
}

export interface TrainingCapability {
  pretrain(request: PretrainRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<PretrainResult>;
  distill(request: DistillRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }): Promise<DistillResult>;
  evaluate(request: EvaluateRequest, hooks: JobHooks): Promise<EvaluationResult>;
}
