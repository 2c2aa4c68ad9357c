// What a fine-tune writes: the model folder with the merged weights (a plain GPT-2 or Llama every downstream node reads), the
// tokens' tokenizer files (a chat template the tokenizer wrote in tokenizer_config.json included), and for LoRA the
// adapter in PEFT's layout under `adapter/`, so PEFT users can load it onto the base model.

import path from 'node:path';
import { writeModelFolder } from '../export/model-folder.ts';
import { keepSpecialTokenIds, readSpecialTokenIds } from '../export/model-token-ids.ts';
import { isLlamaConfig } from '../model-config.ts';
import { loraAdapterNames, mergeLora, writePeftAdapter } from '../lora/index.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';
import type { FinetuneJob } from './finetune-setup.ts';
import type { TrainingResult } from './trainer.ts';
import type { ModelExportTarget } from './worker-protocol.ts';

/** The PEFT adapter's folder inside the fine-tuned model's folder. */
export const ADAPTER_FOLDER = 'adapter';

export interface FinetuneExport {
  /** Files written, relative to the model folder (the adapter's under `adapter/`). */
  files: string[];
  /** The merged model's parameters. */
  parameterCount: number;
  /** The parameters the run trained: every one for `full`, the adapters' for `lora`. */
  trainedParameterCount: number;
}

export function writeFinetunedModel(target: ModelExportTarget & { baseModel: string }, job: FinetuneJob, result: TrainingResult): FinetuneExport {
  const adapterNames = job.method === 'lora' ? loraAdapterNames(result.config, loraOf(job)) : [];
  const parameters = job.method === 'lora' ? mergeLora(result.config, result.parameters, loraOf(job)) : result.parameters;
  const adapterFiles = job.method === 'lora' ? writePeftAdapter(path.join(target.folder, ADAPTER_FOLDER), result.parameters, loraOf(job), target.baseModel).map((file) => path.join(ADAPTER_FOLDER, file)) : [];
  const finetune = { method: job.method, baseModel: target.baseModel, baseModelKey: job.modelKey, ...(job.lora === undefined || job.method !== 'lora' ? {} : { lora: job.lora }) };
  const provenance = { ...target.provenance, finetune, metrics: result.metrics, resumedFromStep: result.resumedFromStep };
  const files = writeModelFolder(target.folder, { ...target, config: result.config, parameters, provenance });
  // A Llama keeps its base model's special ids (an imported SmolLM2-Instruct ends turns with <|im_end|>).
  if (isLlamaConfig(result.config)) keepSpecialTokenIds(target.folder, readSpecialTokenIds(job.modelFolder));
  const parameterCount = [...parameters.values()].reduce((total, tensor) => total + elementCountOf(tensor.shape), 0);
  const adapterCount = adapterNames.reduce((total, name) => total + elementCountOf(result.parameters.get(name)?.shape ?? [0]), 0);
  return { files: [...files, ...adapterFiles], parameterCount, trainedParameterCount: job.method === 'lora' ? adapterCount : parameterCount };
}

function loraOf(job: FinetuneJob) {
  if (job.lora === undefined) throw new Error('finetune: method "lora" needs its options (rank, alpha, dropout, targets)');
  return job.lora;
}
