// Runs a quantize job on a worker thread and settles with its report. Cancelling terminates the worker at once:
// a half-written output folder is discarded by the executor, and nothing else needs to stop cleanly.

import { startTypeScriptWorker } from '../../workers/typescript-worker.ts';
import type { QuantizationReport, QuantizeJob } from './quantize-job.ts';

export type QuantizeWorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'done'; report: QuantizationReport }
  | { type: 'failed'; message: string; stack?: string };

const WORKER_URL = new URL('./quantize-worker.ts', import.meta.url);

export interface QuantizeJobHooks {
  signal?: AbortSignal;
  onLog?(line: string): void;
}

export function runQuantizeJobInWorker(job: QuantizeJob, hooks: QuantizeJobHooks = {}): Promise<QuantizationReport> {
  return new Promise((resolve, reject) => {
    const worker = startTypeScriptWorker(WORKER_URL, { job });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate().finally(outcome);
    };
    const onAbort = () => finish(() => reject(cancelledError()));
    if (hooks.signal?.aborted) onAbort();
    else hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: QuantizeWorkerMessage) => {
      if (message.type === 'log') hooks.onLog?.(message.line);
      else if (message.type === 'done') finish(() => resolve(message.report));
      else finish(() => reject(failure(message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`quantize worker exited with code ${code} before reporting a result`))));
  });
}

function cancelledError(): Error {
  const error = new Error('quantize cancelled');
  error.name = 'AbortError';
  return error;
}

function failure(message: Extract<QuantizeWorkerMessage, { type: 'failed' }>): Error {
  const error = new Error(message.message);
  if (message.stack !== undefined) error.stack = message.stack;
  return error;
}
