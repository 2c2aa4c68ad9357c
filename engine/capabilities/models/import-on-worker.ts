// Engine side of a model import: runs importHubModel (engine/ml/import) on model-import-worker.ts, so reading,
// converting and writing 124M parameters and building the ONNX decoder never block the engine's event loop. A cancel
// terminates the worker at once; the executor discards the half-written folder.
import { runWorkerJob } from '../../workers/run-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';

export interface ModelImportJob {
  /** The Hugging Face model folder to read. */
  folder: string;
  /** The Crucible model folder to write. */
  outputFolder: string;
  provenance: Record<string, unknown>;
}

/** What importHubModel returns (engine/ml/import/import-model.ts), as it crosses the thread boundary. */
export interface ModelImportOutcome {
  /** config.json's class name, e.g. LlamaForCausalLM. */
  architecture: string;
  /** Crucible's family name for it (gpt2, llama). */
  family: string;
  files: string[];
  parameterCount: number;
  config: { vocabSize: number; nLayer: number; nHead: number; nEmbd: number; blockSize: number; nKvHead?: number };
  hasChatTemplate: boolean;
  sourceDtype: string;
}

export type ModelImportWorkerProtocol = WorkerJobProtocol<ModelImportJob, never, ModelImportOutcome>;

const WORKER_URL = new URL('./model-import-worker.ts', import.meta.url);

export function importModelOnWorker(job: ModelImportJob, signal: AbortSignal): Promise<ModelImportOutcome> {
  return runWorkerJob<ModelImportWorkerProtocol>(WORKER_URL, job, { label: `importing the model in ${job.folder}`, signal });
}
