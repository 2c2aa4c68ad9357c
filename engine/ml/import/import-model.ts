// Imports a hub model folder as a Crucible model folder (our config.json, model.safetensors, tokenizer files, the
// ONNX decoder, provenance and model card), so evaluate, quantize, deploy and serve use it unchanged.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MODEL_FILES, writeModelFolder } from '../export/model-folder.ts';
import { keepSpecialTokenIds } from '../export/model-token-ids.ts';
import { architectureOf, isLlamaConfig, type ModelArchitecture, type ModelConfig } from '../model-config.ts';
import { buildTokenizerConfig, loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import type { SupportedArchitecture } from './hub-config.ts';
import { readHubModel, type HubModel } from './hub-model.ts';
import { importedParameterCount } from './hub-model-size.ts';

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
  if (model.chatTemplate !== null) {
    keepChatTemplate(path.join(outputFolder, MODEL_FILES.tokenizerConfig), model, model.chatTemplate);
    if (model.tokenizerConfigJsonPath === null) files.push(MODEL_FILES.tokenizerConfig);
  }
  // The hub's own ids (SmolLM2-Instruct: eos <|im_end|>), not the tokenizer's first special token, stop generation.
  if (isLlamaConfig(model.config)) keepSpecialTokenIds(outputFolder, model.tokenIds);
  return { architecture: model.architecture, family: architectureOf(model.config), files, parameterCount: importedParameterCount(model.config), config: model.config, hasChatTemplate: model.chatTemplate !== null, sourceDtype: model.sourceDtype };
}

/**
 * Serving, fine-tuning and GGUF export read the template from tokenizer_config.json as a string: a named list becomes
 * the one chosen, chat_template.jinja's text replaces the field, and a folder that had the template only in
 * chat_template.jinja gets a tokenizer_config.json to hold it.
 */
function keepChatTemplate(tokenizerConfigPath: string, model: HubModel, template: string): void {
  const json = model.tokenizerConfigJsonPath === null ? newTokenizerConfig(model) : (JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')) as Record<string, unknown>);
  if (json.chat_template === template) return;
  writeFileSync(tokenizerConfigPath, `${JSON.stringify({ ...json, chat_template: template }, null, 2)}\n`);
}

/**
 * What the tokenizer node writes beside a tokenizer.json, with the model's own bos/eos tokens from config.json's ids
 * (SmolLM2-Instruct ends a turn with <|im_end|>, not the first special token), which chat fine-tuning reads.
 */
function newTokenizerConfig(model: HubModel): Record<string, unknown> {
  const tokenizer = loadHuggingFaceTokenizer(readFileSync(model.tokenizerJsonPath, 'utf8'), model.tokenizerJsonPath);
  const contentOf = (id: number | null) => tokenizer.addedTokens.find((token) => token.id === id)?.content;
  const json = buildTokenizerConfig(tokenizer, { modelMaxLength: model.config.blockSize });
  return { ...json, bos_token: contentOf(model.tokenIds.bos) ?? json.bos_token, eos_token: contentOf(model.tokenIds.eos) ?? json.eos_token };
}
