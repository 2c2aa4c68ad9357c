// Imports a hub model folder as a Crucible model folder (our config.json, model.safetensors, tokenizer files, the
// ONNX decoder, provenance and model card), so evaluate, quantize, deploy and serve use it unchanged.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parameterCount } from '../gpt2/parameters.ts';
import { llamaParameterCount } from '../llama/parameters.ts';
import { MODEL_FILES, writeModelFolder } from '../export/model-folder.ts';
import { keepSpecialTokenIds } from '../export/model-token-ids.ts';
import { architectureOf, isLlamaConfig, type ModelArchitecture, type ModelConfig } from '../model-config.ts';
import type { SupportedArchitecture } from './hub-config.ts';
import { readHubModel } from './hub-model.ts';

export interface ImportedModel {
  /** config.json's class name (GPT2LMHeadModel, LlamaForCausalLM). */
  architecture: SupportedArchitecture;
  /** Crucible's family name for it, as pretrain records it. */
  family: ModelArchitecture;
  /** Files written, relative to the output folder. */
  files: string[];
  parameterCount: number;
  config: ModelConfig;
  hasChatTemplate: boolean;
  sourceDtype: string;
}

export function importHubModel(folder: string, outputFolder: string, provenance: Record<string, unknown>): ImportedModel {
  const model = readHubModel(folder);
  const files = writeModelFolder(outputFolder, {
    config: model.config,
    parameters: model.parameters,
    tokenizerJsonPath: model.tokenizerJsonPath,
    tokenizerConfigJsonPath: model.tokenizerConfigJsonPath,
    provenance,
  });
  if (model.chatTemplate !== null) keepChatTemplateAsString(path.join(outputFolder, MODEL_FILES.tokenizerConfig), model.chatTemplate);
  // The hub's own ids (SmolLM2-Instruct: eos <|im_end|>), not the tokenizer's first special token, stop generation.
  if (isLlamaConfig(model.config)) keepSpecialTokenIds(outputFolder, model.tokenIds);
  const count = isLlamaConfig(model.config) ? llamaParameterCount(model.config) : parameterCount(model.config);
  return { architecture: model.architecture, family: architectureOf(model.config), files, parameterCount: count, config: model.config, hasChatTemplate: model.chatTemplate !== null, sourceDtype: model.sourceDtype };
}

/** The serving layer and GGUF export read chat_template as a string; a named list becomes the template chosen from it. */
function keepChatTemplateAsString(tokenizerConfigPath: string, template: string): void {
  const json = JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')) as Record<string, unknown>;
  if (json.chat_template === template) return;
  writeFileSync(tokenizerConfigPath, `${JSON.stringify({ ...json, chat_template: template }, null, 2)}\n`);
}
