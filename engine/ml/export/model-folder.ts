// Writes and reads a model artifact in the Hugging Face layout: config.json, model.safetensors, tokenizer files,
// generation_config.json, onnx/model.onnx (KV-cache decoder), crucible-provenance.json and the README.md model card.

import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonObjectFile } from '../../files/json-text.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { ModelConfig } from '../model-config.ts';
import { generationConfig, huggingFaceConfig, modelConfigFromHuggingFace, type SpecialTokenIds } from './hf-config.ts';
import { huggingFaceParameters } from './hf-parameters.ts';
import { buildDecoderModel } from './decoder-model.ts';
import { WEIGHTS_INDEX_FILE } from '../import/hub-weight-files.ts';
import { MODEL_CARD_FILE, writeModelCard } from './model-card.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

export const MODEL_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  generationConfig: 'generation_config.json',
  decoder: path.join('onnx', 'model.onnx'),
  provenance: 'crucible-provenance.json',
} as const;

/** The quantize node's decoders, written beside onnx/model.onnx under the names transformers.js loads. */
export const QUANTIZED_DECODER_FILES = {
  int4: path.join('onnx', 'model_q4.onnx'),
  int8: path.join('onnx', 'model_int8.onnx'),
} as const;

/** What to do about a model folder file that is missing, damaged or does not belong. */
export const MODEL_FOLDER_REMEDY = 're-run the node that produced the model, or download it again';

export interface ModelFolderContents {
  /** GPT-2 or Llama: config.json, the tensor names and the decoder follow the family. */
  config: ModelConfig;
  parameters: ParameterSet;
  /** Copied in when given; evaluation and serving need them to turn text into ids. */
  tokenizerJsonPath: string | null;
  tokenizerConfigJsonPath: string | null;
  /** The pipeline node, its config, metrics and input artifact keys. */
  provenance: Record<string, unknown>;
}

export function writeModelFolder(folder: string, contents: ModelFolderContents): string[] {
  mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  const file = (name: string) => path.join(folder, name);
  const tokens = contents.tokenizerJsonPath === null ? { bos: null, eos: null } : specialTokenIds(readFileSync(contents.tokenizerJsonPath, 'utf8'));
  const parameters = huggingFaceParameters(contents.config, contents.parameters);
  const written: string[] = [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.generationConfig, MODEL_FILES.decoder, MODEL_FILES.provenance];
  writeJson(file(MODEL_FILES.config), huggingFaceConfig(contents.config, tokens));
  writeSafetensors(file(MODEL_FILES.weights), parameters, { format: 'pt' });
  writeJson(file(MODEL_FILES.generationConfig), generationConfig(contents.config, tokens));
  writeFileSync(file(MODEL_FILES.decoder), buildDecoderModel(contents.config, parameters).toBytes());
  if (contents.tokenizerJsonPath !== null) {
    copyFileSync(contents.tokenizerJsonPath, file(MODEL_FILES.tokenizer));
    written.push(MODEL_FILES.tokenizer);
  }
  if (contents.tokenizerConfigJsonPath !== null) {
    copyFileSync(contents.tokenizerConfigJsonPath, file(MODEL_FILES.tokenizerConfig));
    written.push(MODEL_FILES.tokenizerConfig);
  }
  writeJson(file(MODEL_FILES.provenance), contents.provenance);
  writeModelCard(folder, { modelFolder: folder });
  written.push(MODEL_CARD_FILE);
  return written;
}

export interface LoadedModelFolder {
  config: ModelConfig;
  parameters: ParameterSet;
  decoderPath: string;
  /** The tokenizer.json text, or null when the folder has none. */
  tokenizerJson: string | null;
}

export function readModelFolder(folder: string): LoadedModelFolder {
  const file = (name: string) => path.join(folder, name);
  requireModelFolderFiles(folder, [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.decoder], () => 're-run the node that produced the model');
  const config = readModelConfig(folder);
  const { tensors } = readSafetensors(file(MODEL_FILES.weights));
  const tokenizerJson = existsSync(file(MODEL_FILES.tokenizer)) ? readFileSync(file(MODEL_FILES.tokenizer), 'utf8') : null;
  return { config, parameters: weightsOf(config, tensors, file(MODEL_FILES.weights)), decoderPath: file(MODEL_FILES.decoder), tokenizerJson };
}

/** What a Hugging Face download holds its weights in; a folder with pickle weights only is still recognised as one. */
const SAFETENSORS_WEIGHT_FILES = [MODEL_FILES.weights, WEIGHTS_INDEX_FILE];
const PICKLE_WEIGHT_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json'];

/**
 * Throws one line when `folder` lacks one of `required`: a path that is not a folder says so, a Hugging Face
 * download (which no Crucible node produced, so re-running one cannot help) says how to import it, and anything
 * else is a damaged Crucible folder, with `remedy` saying what to do about the missing file.
 */
export function requireModelFolderFiles(folder: string, required: readonly string[], remedy: (missing: string) => string): void {
  const kind = statSync(folder, { throwIfNoEntry: false });
  if (kind === undefined) throw new Error(`model folder ${folder}: there is no such folder; check the path`);
  if (!kind.isDirectory()) throw new Error(`model folder ${folder}: this is a file, not a folder; give the folder that holds ${MODEL_FILES.config}`);
  const missing = required.find((name) => !existsSync(path.join(folder, name)));
  if (missing === undefined) return;
  const has = (name: string) => existsSync(path.join(folder, name));
  if (isHubDownload(has)) throw new Error(hubDownloadMessage(folder, has));
  throw new Error(`model folder ${folder}: ${missing} is missing; ${remedy(missing)}`);
}

/** config.json and weights as the hub has them, but neither the ONNX decoder nor the provenance every Crucible folder has. */
function isHubDownload(has: (name: string) => boolean): boolean {
  return has(MODEL_FILES.config) && [...SAFETENSORS_WEIGHT_FILES, ...PICKLE_WEIGHT_FILES].some(has) && !has(MODEL_FILES.decoder) && !has(MODEL_FILES.provenance);
}

/** The model node is how a hub folder comes in (README, "Fine-tuning a pretrained model"); it refuses pickle weights. */
function hubDownloadMessage(folder: string, has: (name: string) => boolean): string {
  const pickleOnly = !SAFETENSORS_WEIGHT_FILES.some(has);
  const convert = pickleOnly ? `; convert its ${PICKLE_WEIGHT_FILES.filter(has).join(' and ')} to ${MODEL_FILES.weights} first, as the model node never loads pickle files` : '';
  return (
    `${folder} is a Hugging Face model folder, not a Crucible one (it has no ${MODEL_FILES.decoder}): import it with a \`model\` node in a pipeline, its \`path\` set to this folder${convert}; ` +
    '`crucible run` prints the Crucible model folder the node writes, which serve and export take (or connect deploy or export nodes to the model node)'
  );
}

function weightsOf(config: ModelConfig, tensors: ParameterSet, weightsPath: string): ParameterSet {
  try {
    return huggingFaceParameters(config, tensors);
  } catch (error) {
    throw new Error(`${weightsPath}: not the weights config.json describes (${(error as Error).message}); the two files do not belong together — ${MODEL_FOLDER_REMEDY}`);
  }
}

/** A model folder's config.json as written (any keys), with an error naming the file when it is missing or damaged. */
export function readConfigJson(folder: string): Record<string, unknown> {
  return readJsonObjectFile(path.join(folder, MODEL_FILES.config), { expected: 'a Hugging Face config.json', remedy: MODEL_FOLDER_REMEDY });
}

/** The model config of a model folder (GPT-2 or Llama), read from its config.json alone (no weights), with a clear error. */
export function readModelConfig(folder: string): ModelConfig {
  return modelConfigFromHuggingFace(readConfigJson(folder), path.join(folder, MODEL_FILES.config));
}

/** The first special added token that is not the unknown token serves as both BOS and EOS, as in GPT-2. */
export function specialTokenIds(tokenizerJson: string): SpecialTokenIds {
  return specialTokenIdsOf(JSON.parse(tokenizerJson) as TokenizerJsonTokens);
}

/** The tokenizer.json fields that name its special tokens. */
export interface TokenizerJsonTokens {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  model?: { unk_token?: string | null };
}

/** `specialTokenIds` for a tokenizer.json already parsed (a caller that reads other fields too parses it once). */
export function specialTokenIdsOf(parsed: TokenizerJsonTokens): SpecialTokenIds {
  const unk = parsed.model?.unk_token ?? null;
  const marker = (parsed.added_tokens ?? []).find((token) => token.special === true && token.content !== unk);
  return { bos: marker?.id ?? null, eos: marker?.id ?? null };
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
