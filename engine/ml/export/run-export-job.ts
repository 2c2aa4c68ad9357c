// Runs exportModel on a worker thread (export-worker.ts) and settles with its outcome. Cancelling terminates the
// worker at once; the half-written export folder is discarded by the executor.

import { runWorkerJob } from '../../workers/run-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import type { ExportOutcome, ExportRequest } from './export-model.ts';

export type ExportWorkerProtocol = WorkerJobProtocol<ExportRequest, never, ExportOutcome>;

const WORKER_URL = new URL('./export-worker.ts', import.meta.url);

export function runExportJobInWorker(request: ExportRequest, signal?: AbortSignal): Promise<ExportOutcome> {
  return runWorkerJob<ExportWorkerProtocol>(WORKER_URL, request, { label: `export (${request.format})`, signal });
}
