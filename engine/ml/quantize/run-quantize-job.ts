// Runs a quantize job on a worker thread and settles with its report. A cancel reaches the job's signal; the worker,
// which measures the decoders with ONNX Runtime, is never terminated inside an ORT call (ORT_JOB_CANCEL_GRACE_MS). A
// half-written output folder is discarded by the executor.

import { ORT_JOB_CANCEL_GRACE_MS, runWorkerJob } from '../../workers/run-worker-job.ts';
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
  return runWorkerJob<QuantizeWorkerProtocol>(WORKER_URL, job, { label: 'quantize', signal: hooks.signal, onProgress: hooks.onLog, cancelGraceMs: ORT_JOB_CANCEL_GRACE_MS });
}
