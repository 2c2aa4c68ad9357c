// What the runtime reads from a model folder (Hugging Face layout, engine/ml/export/model-folder.ts): the model
// config (any family), end-of-text id, tokenizer and chat template, and which ONNX decoder file a precision maps to.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { readJsonObjectFile } from '../files/json-text.ts';
import { MODEL_FILES, MODEL_FOLDER_REMEDY, QUANTIZED_DECODER_FILES, readConfigJson, readModelConfig, requireModelFolderFiles } from '../ml/export/model-folder.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { QuantizationBits } from '../ml/quantize/block-quantize.ts';
import { quantizationRecordOf } from '../ml/quantize/quantize-model-folder.ts';
import { chatTemplateOf } from '../tokenize/chat/index.ts';
import { loadHuggingFaceTokenizer } from '../tokenize/load-hugging-face-tokenizer.ts';
import type { Tokenizer } from '../tokenize/tokenizer.ts';

/** float32 is the exported decoder; the quantized ones are written beside it by the quantize node. */
const DECODER_FILES: Record<DecoderPrecision, string> = {
  float32: MODEL_FILES.decoder,
  q4: QUANTIZED_DECODER_FILES.int4,
  int8: QUANTIZED_DECODER_FILES.int8,
};

/** The weight bits of each quantized precision, as the quantize node records them in config.json. */
export const QUANTIZED_PRECISION_BITS: Readonly<Record<Exclude<DecoderPrecision, 'float32'>, QuantizationBits>> = { q4: 4, int8: 8 };

/** The precision a quantize node made this folder for (its config.json record), else float32. */
export function recordedPrecision(folder: string): DecoderPrecision {
  const bits = quantizationRecordOf(folder)?.bits;
  const quantized = Object.entries(QUANTIZED_PRECISION_BITS).find(([, precisionBits]) => precisionBits === bits);
  return quantized === undefined ? 'float32' : (quantized[0] as DecoderPrecision);
}

export interface ServableModel {
  config: ModelConfig;
  decoderPath: string;
  eosTokenId: number | null;
  tokenizer: Tokenizer;
  chatTemplate: string | undefined;
}

export function readServableModel(folder: string, precision: DecoderPrecision = 'float32'): ServableModel {
  const file = (name: string) => path.join(folder, name);
  const decoderPath = file(DECODER_FILES[precision]);
  requireModelFolderFiles(folder, [MODEL_FILES.config, MODEL_FILES.tokenizer, DECODER_FILES[precision]], (missing) => missingFileRemedy(missing, precision));
  const configJson = readConfigJson(folder);
  const config = readModelConfig(folder);
  const tokenizer = loadHuggingFaceTokenizer(readFileSync(file(MODEL_FILES.tokenizer), 'utf8'), file(MODEL_FILES.tokenizer));
  const eos = configJson.eos_token_id;
  return { config, decoderPath, eosTokenId: typeof eos === 'number' ? eos : null, tokenizer, chatTemplate: readChatTemplate(file(MODEL_FILES.tokenizerConfig)) };
}

function missingFileRemedy(missing: string, precision: DecoderPrecision): string {
  if (missing !== DECODER_FILES[precision]) return 'serving needs a model exported with its tokenizer (re-run the node that produced it)';
  return precision === 'float32' ? 're-run the node that produced the model' : `run a quantize node for ${precision}, or serve float32`;
}

function readChatTemplate(tokenizerConfigPath: string): string | undefined {
  if (!existsSync(tokenizerConfigPath)) return undefined;
  const config = readJsonObjectFile(tokenizerConfigPath, { expected: 'a Hugging Face tokenizer_config.json', remedy: MODEL_FOLDER_REMEDY });
  return chatTemplateOf(config, tokenizerConfigPath) ?? undefined;
}
