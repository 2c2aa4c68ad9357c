// Which weights an evaluation scores: a quantized model folder is judged by its quantized decoder (what deploy
// serves), a float32 one by its safetensors weights in a batched loss graph (the same numbers, faster).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { MODEL_FILES } from '../export/model-folder.ts';
import { quantizationRecordOf } from '../quantize/quantize-model-folder.ts';

export interface EvaluatedDecoder {
  /** The decoder file, relative to the model folder, with forward slashes (as config.json records it). */
  file: string;
  /** 'float32', or the quantization it carries, e.g. 'int8 (MatMulNBits, block 32)'. */
  precision: string;
  quantized: boolean;
}

export function evaluatedDecoderOf(folder: string): EvaluatedDecoder {
  const record = quantizationRecordOf(folder);
  if (record === null) return { file: MODEL_FILES.decoder.split(path.sep).join('/'), precision: 'float32', quantized: false };
  const file = record.decoder_file;
  if (typeof file !== 'string' || !existsSync(path.join(folder, file))) {
    throw new Error(`evaluate: ${folder}/config.json records a quantization but its decoder file (${String(file)}) is missing; re-run the quantize node`);
  }
  const bits = record.bits === 4 ? 'int4' : 'int8';
  return { file, precision: `${bits} (MatMulNBits, block ${String(record.block_size)})`, quantized: true };
}
