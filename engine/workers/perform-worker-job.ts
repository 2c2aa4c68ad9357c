// The worker-thread half of runWorkerJob: runs the job on the workerData the thread started with, posts its
// progress and then its result or failure, and aborts the job's signal when the engine posts a cancel.

import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJobFailure, WorkerJobProtocol, WorkerJobReply, WorkerJobRequest } from './worker-job-protocol.ts';

export interface WorkerJobContext<Progress> {
  report(progress: Progress): void;
  /** Aborts when the engine cancels with a grace period (runWorkerJob's cancelGraceMs); check it between steps. */
  signal: AbortSignal;
}

export type WorkerJob<Protocol extends WorkerJobProtocol> = (
  data: Protocol['data'],
  context: WorkerJobContext<Protocol['progress']>,
) => Protocol['result'] | Promise<Protocol['result']>;

/** Call once from a worker entry module; `job` may be synchronous (a cancel then terminates the thread). */
export function performWorkerJob<Protocol extends WorkerJobProtocol>(job: WorkerJob<Protocol>): void {
  const port = parentPort;
  if (port === null) throw new Error('performWorkerJob() must run on a worker thread; start this module with runWorkerJob()');
  const post = (reply: WorkerJobReply<Protocol>): void => port.postMessage(reply);
  const controller = new AbortController();
  port.on('message', (request: WorkerJobRequest) => {
    if (request.type === 'cancel') controller.abort();
  });
  const context: WorkerJobContext<Protocol['progress']> = { report: (progress) => post({ type: 'progress', progress }), signal: controller.signal };
  // A result that cannot be cloned makes postMessage throw; it is reported like any other failure.
  Promise.resolve()
    .then(() => job(workerData as Protocol['data'], context))
    .then((result) => post({ type: 'done', result }))
    .catch((error: unknown) => post({ type: 'failed', failure: failureOf(error) }));
}

function failureOf(error: unknown): WorkerJobFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return error.stack === undefined ? { name: error.name, message: error.message } : { name: error.name, message: error.message, stack: error.stack };
}
