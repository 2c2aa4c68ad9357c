// Writes a quantized copy of a model folder: every file of the float32 model, plus onnx/model_q4.onnx (int4) or
// onnx/model_int8.onnx (int8) — the names transformers.js loads for dtype "q4" / "int8" — and the record in config.json.
//
// config.json gains two keys. `crucible_quantization` records the scheme ({ method: "matmul_nbits", bits, block_size,
// symmetric, accuracy_level, quantize_embeddings, decoder_file, quantized_weights }); it is deliberately not HF's
// `quantization_config`, which transformers (Python) would try to apply to the float32 safetensors. And
// `transformers.js_config.dtype` makes transformers.js pick the quantized decoder by default.

import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDecoderModel } from '../export/decoder-model.ts';
import { MODEL_FILES, QUANTIZED_DECODER_FILES, readConfigJson, readModelFolder } from '../export/model-folder.ts';
import type { ModelConfig } from '../model-config.ts';
import { encodeModel } from '../onnx/encode-model.ts';
import type { QuantizationBlockSize } from './block-quantize.ts';
import { DEFAULT_ACCURACY_LEVEL } from './matmul-nbits.ts';
import { quantizeDecoderModel } from './quantize-decoder.ts';

export type QuantizationScheme = 'int8' | 'int4';

export interface ModelQuantizationSettings {
  scheme: QuantizationScheme;
  blockSize: QuantizationBlockSize;
  symmetric: boolean;
  accuracyLevel: number;
  quantizeEmbeddings: boolean;
}

const TRANSFORMERS_JS_DTYPE: Record<QuantizationScheme, string> = { int4: 'q4', int8: 'int8' };

/** The config.json key holding the quantization record. */
export const QUANTIZATION_CONFIG_KEY = 'crucible_quantization';

export interface QuantizeFolderRequest {
  sourceFolder: string;
  targetFolder: string;
  settings: ModelQuantizationSettings;
  /** Written as the new folder's crucible-provenance.json, with the source's provenance under `source`. */
  provenance: Record<string, unknown>;
}

export interface QuantizedModelFolder {
  config: ModelConfig;
  floatDecoderPath: string;
  quantizedDecoderPath: string;
  /** Relative to the folder. */
  quantizedDecoderFile: string;
  floatDecoderBytes: number;
  quantizedDecoderBytes: number;
  quantizedWeights: string[];
}

export function quantizeModelFolder(request: QuantizeFolderRequest): QuantizedModelFolder {
  const { sourceFolder, targetFolder, settings } = request;
  assertQuantizable(sourceFolder, settings);
  cpSync(sourceFolder, targetFolder, { recursive: true });
  const model = readModelFolder(targetFolder);
  const floatDecoder = buildDecoderModel(model.config, model.parameters).toModelProto();
  const bits = settings.scheme === 'int4' ? 4 : 8;
  const { model: quantized, quantizedWeights } = quantizeDecoderModel(floatDecoder, { ...settings, bits });
  const quantizedDecoderFile = QUANTIZED_DECODER_FILES[settings.scheme];
  const quantizedDecoderPath = path.join(targetFolder, quantizedDecoderFile);
  writeFileSync(quantizedDecoderPath, encodeModel(quantized));
  const record = {
    method: 'matmul_nbits',
    bits,
    block_size: settings.blockSize,
    symmetric: settings.symmetric,
    accuracy_level: settings.accuracyLevel,
    quantize_embeddings: settings.quantizeEmbeddings,
    decoder_file: quantizedDecoderFile.split(path.sep).join('/'),
    quantized_weights: quantizedWeights,
  };
  updateJson(path.join(targetFolder, MODEL_FILES.config), (config) => ({ ...config, [QUANTIZATION_CONFIG_KEY]: record, 'transformers.js_config': { dtype: TRANSFORMERS_JS_DTYPE[settings.scheme] } }));
  const provenancePath = path.join(targetFolder, MODEL_FILES.provenance);
  const sourceProvenance = existsSync(provenancePath) ? (JSON.parse(readFileSync(provenancePath, 'utf8')) as unknown) : null;
  writeFileSync(provenancePath, `${JSON.stringify({ ...request.provenance, source: sourceProvenance }, null, 2)}\n`);
  return {
    config: model.config,
    floatDecoderPath: model.decoderPath,
    quantizedDecoderPath,
    quantizedDecoderFile,
    floatDecoderBytes: statSync(model.decoderPath).size,
    quantizedDecoderBytes: statSync(quantizedDecoderPath).size,
    quantizedWeights,
  };
}

/** The quantization record of a model folder's config.json, or null for a float32 model. */
export function quantizationRecordOf(folder: string): Record<string, unknown> | null {
  if (!existsSync(path.join(folder, MODEL_FILES.config))) return null;
  const record = readConfigJson(folder)[QUANTIZATION_CONFIG_KEY];
  return typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : null;
}

function assertQuantizable(folder: string, settings: ModelQuantizationSettings): void {
  if (!existsSync(path.join(folder, MODEL_FILES.decoder))) {
    throw new Error(`quantize: model folder ${folder} has no ONNX decoder (${MODEL_FILES.decoder}); connect a model from a pretrain or distill node, which exports one`);
  }
  const record = quantizationRecordOf(folder);
  const existingFile = Object.values(QUANTIZED_DECODER_FILES).find((file) => existsSync(path.join(folder, file)));
  if (record !== null || existingFile !== undefined) {
    const what = record !== null ? `config.json records ${record.bits}-bit quantization` : `it already holds ${existingFile}`;
    throw new Error(`quantize: model folder ${folder} is already quantized (${what}); connect the float32 model this one came from`);
  }
  if (settings.scheme === 'int8' && settings.accuracyLevel !== DEFAULT_ACCURACY_LEVEL) {
    throw new Error(`quantize: scheme int8 needs accuracyLevel ${DEFAULT_ACCURACY_LEVEL}; at level ${settings.accuracyLevel} ONNX Runtime runs 8-bit weights through a fallback tens of times slower than float32 — set accuracyLevel to 4 or use int4`);
  }
}

function updateJson(file: string, update: (value: Record<string, unknown>) => Record<string, unknown>): void {
  const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify(update(value), null, 2)}\n`);
}
