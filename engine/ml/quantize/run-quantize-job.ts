// Runs a quantize job on a worker thread and settles with its report. Cancelling terminates the worker at once:
// a half-written output folder is discarded by the executor, and nothing else needs to stop cleanly.

import { runWorkerJob } from '../../workers/run-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import type { QuantizationReport, QuantizeJob } from './quantize-job.ts';

/** The quantize worker's protocol: its progress is a log line. */
export type QuantizeWorkerProtocol = WorkerJobProtocol<QuantizeJob, string, QuantizationReport>;

const WORKER_URL = new URL('./quantize-worker.ts', import.meta.url);

export interface QuantizeJobHooks {
  signal?: AbortSignal;
  onLog?(line: string): void;
}

export function runQuantizeJobInWorker(job: QuantizeJob, hooks: QuantizeJobHooks = {}): Promise<QuantizationReport> {
  return runWorkerJob<QuantizeWorkerProtocol>(WORKER_URL, job, { label: 'quantize', signal: hooks.signal, onProgress: hooks.onLog });
}
