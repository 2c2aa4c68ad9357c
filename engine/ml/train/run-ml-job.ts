// Runs a training or evaluation job on a worker thread so the engine's event loop keeps answering while ONNX
// Runtime computes. Cancel asks the worker to stop at its next step and terminates it if it has not within a grace.

import { startTypeScriptWorker } from '../../workers/typescript-worker.ts';
import type { StepReport } from './trainer.ts';
import type { MlJobResults, MlWorkerJob, MlWorkerMessage, MlWorkerRequest } from './worker-protocol.ts';

const WORKER_URL = new URL('./ml-worker.ts', import.meta.url);

export interface MlJobHooks {
  signal?: AbortSignal;
  onStep?(report: StepReport): void;
  onLog?(line: string): void;
  /** How long a cancelled worker may take to reach a step boundary before it is terminated (default 2000 ms). */
  cancelGraceMs?: number;
}

export function runMlJob<Job extends MlWorkerJob>(job: Job, hooks: MlJobHooks = {}): Promise<MlJobResults[Job['kind']]> {
  return new Promise((resolve, reject) => {
    const worker = startTypeScriptWorker(WORKER_URL, { job });
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate().finally(outcome);
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies MlWorkerRequest);
      graceTimer = setTimeout(() => finish(() => reject(cancelled(job.kind, 'terminated after the grace period'))), hooks.cancelGraceMs ?? 2000);
    };
    if (hooks.signal?.aborted) onAbort();
    else hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: MlWorkerMessage) => {
      if (message.type === 'step') hooks.onStep?.(message.report);
      else if (message.type === 'log') hooks.onLog?.(message.line);
      else if (message.type === 'done') finish(() => resolve(message.result as MlJobResults[Job['kind']]));
      else finish(() => reject(workerFailure(job.kind, message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${job.kind} worker exited with code ${code} before reporting a result`))));
  });
}

function cancelled(kind: string, detail: string): Error {
  const error = new Error(`${kind} cancelled (${detail})`);
  error.name = 'AbortError';
  return error;
}

function workerFailure(kind: string, message: Extract<MlWorkerMessage, { type: 'failed' }>): Error {
  const error = new Error(message.name === 'AbortError' ? message.message : `${kind} failed: ${message.message}`);
  error.name = message.name;
  if (message.stack !== undefined) error.stack = message.stack;
  return error;
}
