// The typed messages between the engine and the ML worker thread: the job it gets as workerData, the cancel
// request it accepts, and the progress, log and result messages it posts back.

import type { DistillationReport } from '../distill/distillation-report.ts';
import type { EvaluationJob, EvaluationReport } from './evaluate-model.ts';
import type { StepReport } from './trainer.ts';
import type { TrainingJob } from './training-settings.ts';

export interface ModelExportTarget {
  /** The model artifact folder to write (Hugging Face layout). */
  folder: string;
  tokenizerJsonPath: string | null;
  tokenizerConfigJsonPath: string | null;
  /** Written to crucible-provenance.json, with the run's metrics added. */
  provenance: Record<string, unknown>;
}

export type MlWorkerJob =
  | { kind: 'pretrain'; training: TrainingJob; export: ModelExportTarget }
  | { kind: 'distill'; training: TrainingJob & Required<Pick<TrainingJob, 'distillation'>>; export: ModelExportTarget }
  | { kind: 'evaluate'; evaluation: EvaluationJob };

export interface PretrainOutcome {
  metrics: Record<string, number>;
  resumedFromStep: number | null;
  files: string[];
  parameterCount: number;
  vocabSize: number;
}

export interface DistillOutcome extends PretrainOutcome {
  report: DistillationReport;
}

export interface MlJobResults {
  pretrain: PretrainOutcome;
  distill: DistillOutcome;
  evaluate: EvaluationReport;
}

export type MlWorkerRequest = { type: 'cancel' };

export type MlWorkerMessage =
  | { type: 'step'; report: StepReport }
  | { type: 'log'; line: string }
  | { type: 'done'; result: MlJobResults[MlWorkerJob['kind']] }
  | { type: 'failed'; name: string; message: string; stack?: string };
