// Builds the serving worker's step decoder (step-decoder-graph.ts, one or many tokens per row) for a model folder at
// a precision: from the folder's float32 safetensors, then quantized with the exact settings config.json records for
// the quantized decoder file, so its weights are that file's weights. The worker still checks the two agree (decoder-pair.ts).

import { readModelFolder } from '../ml/export/model-folder.ts';
import { encodeModel } from '../ml/onnx/encode-model.ts';
import type { QuantizationBlockSize } from '../ml/quantize/block-quantize.ts';
import { quantizeDecoderModel, type DecoderQuantizationOptions } from '../ml/quantize/quantize-decoder.ts';
import { quantizationRecordOf } from '../ml/quantize/quantize-model-folder.ts';
import { QUANTIZED_PRECISION_BITS } from './model-files.ts';
import { type DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { buildStepDecoder, type StepTokens } from './step-decoder-graph.ts';

/** Reads the folder's weights and quantization record once, for building both step decoders (decoder-pair.ts). */
export function stepDecoderBuilder(folder: string, precision: DecoderPrecision): (tokens: StepTokens) => Uint8Array {
  const { config, parameters } = readModelFolder(folder);
  const quantization = precision === 'float32' ? null : recordedQuantization(folder, precision);
  return (tokens) => {
    const model = buildStepDecoder(config, parameters, tokens).toModelProto();
    return encodeModel(quantization === null ? model : quantizeDecoderModel(model, quantization).model);
  };
}

/** The quantize node's settings from config.json, checked against the precision being served. */
function recordedQuantization(folder: string, precision: Exclude<DecoderPrecision, 'float32'>): DecoderQuantizationOptions {
  const record = quantizationRecordOf(folder);
  const bits = QUANTIZED_PRECISION_BITS[precision];
  if (record === null || record.bits !== bits) {
    const found = record === null ? 'no crucible_quantization record' : `a ${String(record.bits)}-bit record`;
    throw new Error(`model folder ${folder}: serving ${precision} needs config.json's ${bits}-bit crucible_quantization record, found ${found}; re-run the quantize node that made this folder`);
  }
  const field = <T>(name: string, valid: (value: unknown) => value is T): T => {
    const value = record[name];
    if (!valid(value)) throw new Error(`model folder ${folder}: config.json crucible_quantization.${name} is ${JSON.stringify(value)}; re-run the quantize node that made this folder`);
    return value;
  };
  const isNumber = (value: unknown): value is number => typeof value === 'number';
  const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
  return {
    bits,
    blockSize: field('block_size', (value): value is QuantizationBlockSize => [16, 32, 64, 128].includes(value as number)),
    symmetric: field('symmetric', isBoolean),
    accuracyLevel: field('accuracy_level', isNumber),
    quantizeEmbeddings: field('quantize_embeddings', isBoolean),
  };
}
