// Worker-thread entry for training and evaluation jobs: runs the job from workerData, posts step reports and logs,
// and stops at the next step boundary when the engine posts a cancel. ONNX Runtime calls block only this thread.

import { performWorkerJob, type WorkerJobContext } from '../../workers/perform-worker-job.ts';
import { distillationReport } from '../distill/distillation-report.ts';
import { writeModelFolder } from '../export/model-folder.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';
import { evaluateModel } from './evaluate-model.ts';
import { writeFinetunedModel } from './finetune-export.ts';
import { trainGpt2, trainModel, type TrainingHooks } from './trainer.ts';
import type { DistillOutcome, FinetuneOutcome, MlWorkerJob, MlWorkerProgress, MlWorkerProtocol, PretrainOutcome } from './worker-protocol.ts';

type Context = WorkerJobContext<MlWorkerProgress>;

function trainingHooks({ report, signal }: Context): TrainingHooks {
  return { signal, onStep: (step) => report({ type: 'step', report: step }), onLog: (line) => report({ type: 'log', line }) };
}

async function pretrain(job: Extract<MlWorkerJob, { kind: 'pretrain' | 'distill' }>, context: Context): Promise<PretrainOutcome> {
  const result = await trainModel(job.training, trainingHooks(context));
  const provenance = { ...job.export.provenance, metrics: result.metrics, resumedFromStep: result.resumedFromStep };
  const files = writeModelFolder(job.export.folder, { ...job.export, config: result.config, parameters: result.parameters, provenance });
  const parameterCount = [...result.parameters.values()].reduce((total, tensor) => total + elementCountOf(tensor.shape), 0);
  return { metrics: result.metrics, resumedFromStep: result.resumedFromStep, files, parameterCount, vocabSize: result.config.vocabSize };
}

/** Pretraining with a teacher, then the teacher-versus-student report on the exported folders. */
async function distill(job: Extract<MlWorkerJob, { kind: 'distill' }>, context: Context): Promise<DistillOutcome> {
  const outcome = await pretrain(job, context);
  const valLoss = { teacher: outcome.metrics.teacherValLoss as number, student: outcome.metrics.valLoss as number };
  const report = await distillationReport(job.training.distillation.teacherFolder, job.export.folder, valLoss);
  return { ...outcome, report };
}

/** Training from the model folder's weights, then the merged model folder (and a LoRA run's PEFT adapter). */
async function finetune(job: Extract<MlWorkerJob, { kind: 'finetune' }>, context: Context): Promise<FinetuneOutcome> {
  const result = await trainModel(job.training, trainingHooks(context));
  const written = writeFinetunedModel(job.export, job.training.finetune, result);
  return { metrics: result.metrics, resumedFromStep: result.resumedFromStep, vocabSize: result.config.vocabSize, method: job.training.finetune.method, ...written };
}

performWorkerJob<MlWorkerProtocol>((job, context) => {
  if (job.kind === 'pretrain') return pretrain(job, context);
  if (job.kind === 'distill') return distill(job, context);
  if (job.kind === 'finetune') return finetune(job, context);
  return evaluateModel(job.evaluation, context.signal);
});
