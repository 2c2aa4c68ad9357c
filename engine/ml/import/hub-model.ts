// Reads a Hugging Face hub model folder (config.json, safetensors weights, tokenizer files) into memory as a
// Crucible GPT-2: checked config, float32 parameters under Crucible's names, and the tokenizer files to carry along.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { readHubConfig } from './hub-config.ts';
import { readHubTokenizer } from './hub-tokenizer.ts';
import { locateHubWeightFiles } from './hub-weight-files.ts';
import { readHubWeights, type SourceDtype } from './hub-weights.ts';

export interface HubModel {
  folder: string;
  architecture: 'GPT2LMHeadModel';
  /** bias true; dropout from resid_pdrop; blockSize = n_positions. */
  config: Gpt2Config;
  /** Crucible/HF names with the `transformer.` prefix, float32. */
  parameters: ParameterSet;
  sourceDtype: SourceDtype;
  tokenizerJsonPath: string;
  tokenizerConfigJsonPath: string | null;
  /** tokenizer_config.json's chat_template as one string (of a named list: "default", else the first). */
  chatTemplate: string | null;
}

/**
 * Checks cheap things first (config, which weight files, the tokenizer, every tensor header) so a folder that
 * cannot be imported fails before gigabytes are read. Throws `WHERE: what is wrong; what to do`.
 */
export function readHubModel(folder: string): HubModel {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: no such model folder; give the folder that holds config.json, the weights and tokenizer.json`);
  const configPath = path.join(folder, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${folder}: config.json is missing; a Hugging Face model folder holds config.json beside its weights — download it from the model's repository`);
  const { architecture, config, tieWordEmbeddings } = readHubConfig(configPath);
  const weightFiles = locateHubWeightFiles(folder);
  const tokenizer = readHubTokenizer(folder, config);
  const { parameters, sourceDtype } = readHubWeights(weightFiles, config, tieWordEmbeddings);
  return {
    folder,
    architecture,
    config,
    parameters,
    sourceDtype,
    tokenizerJsonPath: tokenizer.tokenizerJsonPath,
    tokenizerConfigJsonPath: tokenizer.tokenizerConfigJsonPath,
    chatTemplate: tokenizer.chatTemplate,
  };
}
