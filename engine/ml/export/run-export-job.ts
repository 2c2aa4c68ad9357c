// Runs exportModel on a worker thread (export-worker.ts) and settles with its outcome. A cancelled export runs on to
// its end (it may be inside an ONNX Runtime call, where terminating the thread can abort the engine:
// ORT_JOB_CANCEL_GRACE_MS); the half-written export folder is discarded by the executor.

import { ORT_JOB_CANCEL_GRACE_MS, runWorkerJob } from '../../workers/run-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import type { ExportOutcome, ExportRequest } from './export-model.ts';

export type ExportWorkerProtocol = WorkerJobProtocol<ExportRequest, never, ExportOutcome>;

const WORKER_URL = new URL('./export-worker.ts', import.meta.url);

export function runExportJobInWorker(request: ExportRequest, signal?: AbortSignal): Promise<ExportOutcome> {
  return runWorkerJob<ExportWorkerProtocol>(WORKER_URL, request, { label: `export (${request.format})`, signal, cancelGraceMs: ORT_JOB_CANCEL_GRACE_MS });
}
