// Imports a hub model folder as a Crucible model folder (our config.json, model.safetensors, tokenizer files, the
// ONNX decoder, provenance and model card), so evaluate, quantize, deploy and serve use it unchanged.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Gpt2Config } from '../gpt2/config.ts';
import { parameterCount } from '../gpt2/parameters.ts';
import { MODEL_FILES, writeModelFolder } from '../export/model-folder.ts';
import { readHubModel } from './hub-model.ts';

export interface ImportedModel {
  /** Files written, relative to the output folder. */
  files: string[];
  parameterCount: number;
  config: Gpt2Config;
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
  return { files, parameterCount: parameterCount(model.config), config: model.config, hasChatTemplate: model.chatTemplate !== null, sourceDtype: model.sourceDtype };
}

/** The serving layer and GGUF export read chat_template as a string; a named list becomes the template chosen from it. */
function keepChatTemplateAsString(tokenizerConfigPath: string, template: string): void {
  const json = JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')) as Record<string, unknown>;
  if (json.chat_template === template) return;
  writeFileSync(tokenizerConfigPath, `${JSON.stringify({ ...json, chat_template: template }, null, 2)}\n`);
}
