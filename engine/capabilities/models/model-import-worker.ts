// Worker-thread entry of a model import (import-on-worker.ts): reads the Hugging Face folder and writes the Crucible
// model folder with engine/ml/import's importHubModel.
import { importHubModel } from '../../ml/import/import-model.ts';
import { isLlamaConfig } from '../../ml/model-config.ts';
import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import type { ModelImportWorkerProtocol } from './import-on-worker.ts';

performWorkerJob<ModelImportWorkerProtocol>((job) => {
  const outcome = importHubModel(job.folder, job.outputFolder, job.provenance);
  const { vocabSize, nLayer, nHead, nEmbd, blockSize } = outcome.config;
  const kvHeads = isLlamaConfig(outcome.config) ? { nKvHead: outcome.config.nKvHead } : {};
  return { architecture: outcome.architecture, family: outcome.family, files: outcome.files, parameterCount: outcome.parameterCount, config: { vocabSize, nLayer, nHead, nEmbd, blockSize, ...kvHeads }, hasChatTemplate: outcome.hasChatTemplate, sourceDtype: outcome.sourceDtype };
});
