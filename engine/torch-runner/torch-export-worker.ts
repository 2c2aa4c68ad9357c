// Worker-thread entry: writes the Crucible model folder from a PyTorch run's files (model-from-run.ts).
import { performWorkerJob } from '../workers/perform-worker-job.ts';
import { writeModelFromRun, type ModelFromRunProtocol } from './model-from-run.ts';

performWorkerJob<ModelFromRunProtocol>((job) => Promise.resolve(writeModelFromRun(job)));
