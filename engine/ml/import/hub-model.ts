// Reads a Hugging Face hub model folder (config.json, safetensors weights, tokenizer files) into memory as a
// Crucible GPT-2 or Llama: checked config, float32 parameters under Crucible's names, and the tokenizer files to
// carry along.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { ModelConfig } from '../model-config.ts';
import { readHubConfig, type HubTokenIds, type SupportedArchitecture } from './hub-config.ts';
import { checkDecoderFits } from './hub-model-size.ts';
import { readHubTokenizer } from './hub-tokenizer.ts';
import { locateHubWeightFiles } from './hub-weight-files.ts';
import { checkHubWeights, loadHubWeights, type SourceDtype } from './hub-weights.ts';

export interface HubModel {
  folder: string;
  architecture: SupportedArchitecture;
  /**
   * GPT2LMHeadModel: a Gpt2Config (bias true; dropout from resid_pdrop; blockSize = n_positions). LlamaForCausalLM:
   * a LlamaConfig (blockSize = max_position_embeddings).
   */
  config: ModelConfig;
  /** config.json's bos_token_id and eos_token_id (the first, when it lists several). */
  tokenIds: HubTokenIds;
  /** Crucible/HF names (GPT-2's with the `transformer.` prefix), float32. */
  parameters: ParameterSet;
  sourceDtype: SourceDtype;
  tokenizerJsonPath: string;
  tokenizerConfigJsonPath: string | null;
  /**
   * The chat template as one string: chat_template.jinja when the folder has it (it overrides the JSON field, as in
   * transformers), else tokenizer_config.json's chat_template (of a named list, the one named "default").
   */
  chatTemplate: string | null;
}

/**
 * Checks cheap things first (config, which weight files, the tokenizer, every tensor header, the decoder's size) so a
 * folder that cannot be imported fails before gigabytes are read. Throws `WHERE: what is wrong; what to do`.
 */
export function readHubModel(folder: string): HubModel {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: no such model folder; give the folder that holds config.json, the weights and tokenizer.json`);
  const configPath = path.join(folder, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${folder}: config.json is missing; a Hugging Face model folder holds config.json beside its weights — download it from the model's repository`);
  const hub = readHubConfig(configPath);
  const weightFiles = locateHubWeightFiles(folder);
  const tokenizer = readHubTokenizer(folder, hub.config);
  const checked = checkHubWeights(weightFiles, hub);
  checkDecoderFits(hub.config, configPath);
  const { parameters, sourceDtype } = loadHubWeights(checked);
  return {
    folder,
    architecture: hub.architecture,
    config: hub.config,
    tokenIds: hub.tokenIds,
    parameters,
    sourceDtype,
    tokenizerJsonPath: tokenizer.tokenizerJsonPath,
    tokenizerConfigJsonPath: tokenizer.tokenizerConfigJsonPath,
    chatTemplate: tokenizer.chatTemplate,
  };
}
