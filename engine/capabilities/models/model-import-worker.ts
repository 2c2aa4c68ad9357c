// Worker-thread entry of a model import (import-on-worker.ts): reads the Hugging Face folder and writes the Crucible
// model folder with engine/ml/import's importHubModel.
import { importHubModel } from '../../ml/import/import-model.ts';
import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import type { ModelImportWorkerProtocol } from './import-on-worker.ts';

performWorkerJob<ModelImportWorkerProtocol>((job) => {
  const outcome = importHubModel(job.folder, job.outputFolder, job.provenance);
  const { vocabSize, nLayer, nHead, nEmbd, blockSize } = outcome.config;
  return { files: outcome.files, parameterCount: outcome.parameterCount, config: { vocabSize, nLayer, nHead, nEmbd, blockSize }, hasChatTemplate: outcome.hasChatTemplate, sourceDtype: outcome.sourceDtype };
});
