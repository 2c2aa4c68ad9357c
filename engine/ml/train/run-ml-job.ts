// Runs a training or evaluation job on a worker thread so the engine's event loop keeps answering while ONNX
// Runtime computes. Cancel asks the worker to stop at its next step; it is terminated only if it has not within a grace
// long enough for any step (ORT_JOB_CANCEL_GRACE_MS), because terminating it inside an ORT call can abort the engine.

import { ORT_JOB_CANCEL_GRACE_MS, runWorkerJob } from '../../workers/run-worker-job.ts';
import type { StepReport } from './trainer.ts';
import type { MlJobResults, MlWorkerJob, MlWorkerProtocol } from './worker-protocol.ts';

const WORKER_URL = new URL('./ml-worker.ts', import.meta.url);

export interface MlJobHooks {
  signal?: AbortSignal;
  onStep?(report: StepReport): void;
  onLog?(line: string): void;
  /** How long a cancelled worker may take to reach a step boundary before it is terminated (default ORT_JOB_CANCEL_GRACE_MS). */
  cancelGraceMs?: number;
}

export function runMlJob<Job extends MlWorkerJob>(job: Job, hooks: MlJobHooks = {}): Promise<MlJobResults[Job['kind']]> {
  const result = runWorkerJob<MlWorkerProtocol>(WORKER_URL, job, {
    label: job.kind,
    signal: hooks.signal,
    cancelGraceMs: hooks.cancelGraceMs ?? ORT_JOB_CANCEL_GRACE_MS,
    onProgress: (progress) => (progress.type === 'step' ? hooks.onStep?.(progress.report) : hooks.onLog?.(progress.line)),
  });
  return result as Promise<MlJobResults[Job['kind']]>;
}
