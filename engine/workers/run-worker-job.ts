// Runs one job on a worker thread and settles with its result: relays the worker's progress, turns a reported
// failure, an uncaught error or an early exit into a clear rejection, and stops the worker when the signal aborts.

import { startTypeScriptWorker } from './typescript-worker.ts';
import type { WorkerJobFailure, WorkerJobProtocol, WorkerJobReply, WorkerJobRequest } from './worker-job-protocol.ts';

/**
 * The cancel grace for a job whose worker runs ONNX Runtime: long enough for any step, load or pass to end. A thread
 * terminated inside an ORT call can take the whole engine process down (a C++ exception escapes while the thread's
 * environment is torn down; engine/inference/README.md), so such a worker is left to stop at its next safe point and
 * terminated only if it is still running after this.
 */
export const ORT_JOB_CANCEL_GRACE_MS = 10 * 60_000;

export interface WorkerJobOptions<Progress> {
  /** Names the job in errors: "pretrain", "quantize", "tokenizer training on corpus.txt". */
  label: string;
  signal?: AbortSignal | undefined;
  /** Called for each progress message; if it throws, the job stops and the promise rejects with that error. */
  onProgress?: ((progress: Progress) => void) | undefined;
  /**
   * Absent: an abort terminates the worker at once (only for workers that never run ONNX Runtime). Set: an abort posts
   * a cancel (the job's signal aborts, so it can stop cleanly) and the worker is terminated only if it has not settled
   * within this many milliseconds; jobs on ORT pass ORT_JOB_CANCEL_GRACE_MS.
   */
  cancelGraceMs?: number | undefined;
}

/**
 * Starts `moduleUrl` (an entry that calls performWorkerJob) with `data`. Settles once the thread is gone, so a caller
 * never races a worker still writing files. A cancel rejects with an AbortError whose cause is the signal's reason.
 */
export function runWorkerJob<Protocol extends WorkerJobProtocol>(
  moduleUrl: URL,
  data: Protocol['data'],
  options: WorkerJobOptions<Protocol['progress']>,
): Promise<Protocol['result']> {
  const { label, signal, cancelGraceMs } = options;
  if (signal?.aborted) return Promise.reject(cancelledError(label, signal, 'before it started'));
  return new Promise((resolve, reject) => {
    const worker = startTypeScriptWorker(moduleUrl, data);
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(outcome, outcome);
    };
    const fail = (error: unknown): void => settle(() => reject(error));
    const onAbort = (): void => {
      if (cancelGraceMs === undefined) return fail(cancelledError(label, signal));
      worker.postMessage({ type: 'cancel' } satisfies WorkerJobRequest);
      graceTimer = setTimeout(() => fail(cancelledError(label, signal, `it did not stop within ${cancelGraceMs} ms, so it was terminated`)), cancelGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: WorkerJobReply<Protocol>) => {
      if (reply.type === 'done') settle(() => resolve(reply.result));
      else if (reply.type === 'failed') fail(reportedFailure(label, reply.failure));
      else if (!settled) relayProgress(reply.progress);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${label}: the worker thread exited (code ${code}) before reporting a result`)));

    function relayProgress(progress: Protocol['progress']): void {
      try {
        options.onProgress?.(progress);
      } catch (error) {
        fail(error);
      }
    }
  });
}

function cancelledError(label: string, signal: AbortSignal | undefined, detail?: string): Error {
  const error = new Error(detail === undefined ? `${label} cancelled` : `${label} cancelled (${detail})`, { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

/** The worker's error, rebuilt with its name and stack. A cancel the job honoured (AbortError) speaks for itself. */
function reportedFailure(label: string, failure: WorkerJobFailure): Error {
  const error = new Error(failure.name === 'AbortError' ? failure.message : `${label} failed: ${failure.message}`);
  error.name = failure.name;
  if (failure.stack !== undefined) error.stack = failure.stack;
  return error;
}
