// Worker-thread entry for a quantize job: quantizes and measures on this thread so ONNX Runtime never blocks the
// engine's event loop, posting log lines and then the report (or the failure) to the parent.

import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import { runQuantizeJob } from './quantize-job.ts';
import type { QuantizeWorkerProtocol } from './run-quantize-job.ts';

performWorkerJob<QuantizeWorkerProtocol>((job, { report, signal }) => runQuantizeJob(job, report, signal));
