// Worker-thread entry for a quantize job: quantizes and measures on this thread so ONNX Runtime never blocks the
// engine's event loop, posting log lines and then the report (or the failure) to the parent.

import { parentPort, workerData } from 'node:worker_threads';
import { runQuantizeJob, type QuantizeJob } from './quantize-job.ts';
import type { QuantizeWorkerMessage } from './run-quantize-job.ts';

const port = parentPort;
if (port === null) throw new Error('quantize-worker.ts must run as a worker thread; start it with runQuantizeJobInWorker()');
const post = (message: QuantizeWorkerMessage) => port.postMessage(message);

runQuantizeJob((workerData as { job: QuantizeJob }).job, (line) => post({ type: 'log', line })).then(
  (report) => post({ type: 'done', report }),
  (error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    post({ type: 'failed', message: failure.message, stack: failure.stack });
  },
);
