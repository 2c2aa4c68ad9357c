// The ML worker thread's protocol (engine/workers/worker-job-protocol.ts): the job it gets as workerData, the step
// reports and log lines it posts as progress, and the result of each kind of job.

import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import type { DistillationReport } from '../../../app/artifacts/reports.ts';
import type { EvaluationJob, EvaluationReport } from './evaluate-model.ts';
import type { FinetuneMethod } from './finetune-setup.ts';
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
  | { kind: 'finetune'; training: TrainingJob & Required<Pick<TrainingJob, 'finetune'>>; export: ModelExportTarget & { baseModel: string } }
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

export interface FinetuneOutcome extends PretrainOutcome {
  method: FinetuneMethod;
  /** The parameters the run trained: every one for `full`, the adapters' for `lora` (parameterCount is the merged model's). */
  trainedParameterCount: number;
}

export interface MlJobResults {
  pretrain: PretrainOutcome;
  distill: DistillOutcome;
  finetune: FinetuneOutcome;
  evaluate: EvaluationReport;
}

export type MlWorkerProgress = { type: 'step'; report: StepReport } | { type: 'log'; line: string };

export type MlWorkerProtocol = WorkerJobProtocol<MlWorkerJob, MlWorkerProgress, MlJobResults[MlWorkerJob['kind']]>;
