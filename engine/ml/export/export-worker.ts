// Worker-thread entry for an export: reading the weights, quantizing and writing a GGUF (or copying a repository)
// happen on this thread, so a large model never blocks the engine's event loop.

import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import { exportModel } from './export-model.ts';
import type { ExportWorkerProtocol } from './run-export-job.ts';

performWorkerJob<ExportWorkerProtocol>((request) => exportModel(request));
