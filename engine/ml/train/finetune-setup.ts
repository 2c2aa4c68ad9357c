// Where a fine-tune starts: the model folder's GPT-2 or Llama (config and weights, with the run's dropout), checked against the
// tokens (the same tokenizer, ids within its vocabulary, blockSize within the context), and for LoRA the adapter family
// whose A and B are the only trained parameters, the base weights entering the step as frozen inputs.

import { readModelFolder } from '../export/model-folder.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { checkLoraOptions, initLoraAdapters, loraAdapterNames, loraFamily, type LoraOptions } from '../lora/index.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import { familyFor } from './model-families.ts';
import { checkTokensTokenizer } from './tokenizer-lineage.ts';
import type { ModelStart } from './trainer.ts';
import type { TrainingSettings } from './training-settings.ts';

export type FinetuneMethod = 'full' | 'lora';

/** The finetune node's part of a training job; the rest is the same as pretraining's. */
export interface FinetuneJob {
  /** The base model's artifact folder (Crucible model folder, Hugging Face layout). */
  modelFolder: string;
  /** The model artifact's key: another base model never resumes this one's checkpoint. */
  modelKey: string;
  method: FinetuneMethod;
  /** Required for `lora`. */
  lora?: LoraOptions;
}

/**
 * The model shape settings a fine-tune takes from its model folder; the capability copies them into the settings.
 * `bias` is GPT-2's (a Llama's biases are in its config.json, attention_bias and mlp_bias, and are not settings).
 */
export const MODEL_SHAPE_FIELDS = ['nLayer', 'nHead', 'nEmbd', 'bias'] as const;

export function openFinetune(job: FinetuneJob, settings: TrainingSettings, tokens: { vocabSize: number; tokenizerHash: string }, log: (line: string) => void): ModelStart {
  const model = readModelFolder(job.modelFolder);
  const config: ModelConfig = { ...model.config, dropout: settings.dropout };
  checkFinetuneFits(job.modelFolder, config, settings);
  checkTokensTokenizer({ folder: job.modelFolder, tokenizerJson: model.tokenizerJson }, tokens.tokenizerHash, {
    missing: `finetune: the model ${job.modelFolder} has no tokenizer.json, so the tokens cannot be checked against it; bring the model in with its tokenizer.json`,
    differs: `finetune: the tokens were made by a different tokenizer than the model's (${job.modelFolder}/tokenizer.json); a model only understands its own token ids, so tokenize the data with the model's tokenizer (connect the model node's tokenizer output to the tokenizer node)`,
  });
  // A model's embedding table may be padded past its tokenizer (to a multiple of 64, say); ids past the table are not.
  if (tokens.vocabSize > config.vocabSize) {
    throw new Error(`finetune: the tokens' vocabulary (${tokens.vocabSize} ids) is larger than the model's embedding table (${config.vocabSize}); tokenize the data with the model's tokenizer`);
  }
  const identity = { modelKey: job.modelKey, method: job.method, ...(job.method === 'lora' ? { lora: job.lora } : {}) };
  if (job.method === 'full') {
    log(`fine-tuning every weight of ${job.modelFolder} (${describeModel(config)}) on windows of ${settings.blockSize} tokens`);
    return { config, family: familyFor(config), initialParameters: model.parameters, trainable: undefined, identity };
  }
  const lora = loraOptionsOf(job);
  const trainable = loraAdapterNames(config, lora);
  const initialParameters: ParameterSet = new Map([...model.parameters, ...initLoraAdapters(config, lora, settings.seed)]);
  log(`LoRA rank ${lora.rank} (alpha ${lora.alpha}) on ${lora.targets.join(', ')} of ${job.modelFolder}: ${trainable.length} adapter tensors trained, the base weights frozen`);
  return { config, family: loraFamily(config, lora), initialParameters, trainable, identity };
}

function describeModel(config: ModelConfig): string {
  const heads = isLlamaConfig(config) ? `Llama, ${config.nHead} heads over ${config.nKvHead} key/value heads, ` : 'GPT-2, ';
  return `${heads}${config.nLayer} layers, ${config.nEmbd} wide, context ${config.blockSize}`;
}

function loraOptionsOf(job: FinetuneJob): LoraOptions {
  if (job.lora === undefined) throw new Error('finetune: method "lora" needs its options (rank, alpha, dropout, targets)');
  checkLoraOptions(job.lora);
  return job.lora;
}

/** The windows fit the model's position table, and the settings describe the folder's model. */
function checkFinetuneFits(folder: string, config: ModelConfig, settings: TrainingSettings): void {
  if (settings.blockSize > config.blockSize) {
    throw new Error(`finetune: blockSize ${settings.blockSize} is longer than the model's context (${config.blockSize} positions); set blockSize to ${config.blockSize} or less`);
  }
  for (const field of MODEL_SHAPE_FIELDS) {
    if (field === 'bias' && isLlamaConfig(config)) continue;
    const modelValue = field === 'bias' ? (config as Gpt2Config).bias : config[field];
    if (settings[field] !== modelValue) throw new Error(`finetune: the settings' ${field} (${settings[field]}) is not the model's (${modelValue}, ${folder}/config.json); a fine-tune keeps the model's shape`);
  }
}
