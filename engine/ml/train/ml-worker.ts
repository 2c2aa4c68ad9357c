// Worker-thread entry for training and evaluation jobs: runs the job from workerData, posts step reports and logs,
// and stops at the next step boundary when the engine posts a cancel. ONNX Runtime calls block only this thread.

import { parentPort, workerData } from 'node:worker_threads';
import { distillationReport } from '../distill/distillation-report.ts';
import { writeModelFolder } from '../export/model-folder.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';
import { evaluateModel } from './evaluate-model.ts';
import { trainGpt2 } from './trainer.ts';
import type { DistillOutcome, MlWorkerJob, MlWorkerMessage, MlWorkerRequest, PretrainOutcome } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('ml-worker.ts must run as a worker thread; start it with runMlJob()');
const post = (message: MlWorkerMessage) => port.postMessage(message);
const controller = new AbortController();
port.on('message', (request: MlWorkerRequest) => {
  if (request.type === 'cancel') controller.abort();
});

async function pretrain(job: Extract<MlWorkerJob, { kind: 'pretrain' | 'distill' }>): Promise<PretrainOutcome> {
  const result = await trainGpt2(job.training, {
    signal: controller.signal,
    onStep: (report) => post({ type: 'step', report }),
    onLog: (line) => post({ type: 'log', line }),
  });
  const provenance = { ...job.export.provenance, metrics: result.metrics, resumedFromStep: result.resumedFromStep };
  const files = writeModelFolder(job.export.folder, { ...job.export, config: result.config, parameters: result.parameters, provenance });
  const parameterCount = [...result.parameters.values()].reduce((total, tensor) => total + elementCountOf(tensor.shape), 0);
  return { metrics: result.metrics, resumedFromStep: result.resumedFromStep, files, parameterCount, vocabSize: result.config.vocabSize };
}

/** Pretraining with a teacher, then the teacher-versus-student report on the exported folders. */
async function distill(job: Extract<MlWorkerJob, { kind: 'distill' }>): Promise<DistillOutcome> {
  const outcome = await pretrain(job);
  const valLoss = { teacher: outcome.metrics.teacherValLoss as number, student: outcome.metrics.valLoss as number };
  const report = await distillationReport(job.training.distillation.teacherFolder, job.export.folder, valLoss);
  return { ...outcome, report };
}

async function run(job: MlWorkerJob) {
  if (job.kind === 'pretrain') return pretrain(job);
  if (job.kind === 'distill') return distill(job);
  return evaluateModel(job.evaluation, controller.signal);
}

run((workerData as { job: MlWorkerJob }).job).then(
  (result) => post({ type: 'done', result }),
  (error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    post({ type: 'failed', name: failure.name, message: failure.message, stack: failure.stack });
  },
);
