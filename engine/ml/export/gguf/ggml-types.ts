// The ggml tensor types a GGUF export writes, and their byte encodings (ggml's reference layouts):
// - F32: little-endian float32; F16: little-endian binary16.
// - Q8_0: blocks of 32 weights along a row, each an f16 scale d = max|w| / 127 then 32 int8 codes round(w / d).
// - Q4_0: blocks of 32, an f16 scale d = m / -8 (m: the weight with the largest magnitude, sign kept) then 16 bytes;
//   byte j holds code(w[j]) in its low nibble and code(w[j + 16]) in its high one, code = min(15, trunc(w / d + 8.5)).
// Arithmetic is float32 (Math.fround) as in ggml's C, so the codes match llama.cpp's own quantizer.

import { fromFloat16Bits, toFloat16Bits } from './float16.ts';

export type GgmlType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0';

/** ggml's enum values, as GGUF tensor infos store them. */
export const GGML_TYPE_IDS: Record<GgmlType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 };

/** Weights per block and bytes per block. */
export const GGML_BLOCKS: Record<GgmlType, { weights: number; bytes: number }> = {
  F32: { weights: 1, bytes: 4 },
  F16: { weights: 1, bytes: 2 },
  Q8_0: { weights: 32, bytes: 2 + 32 },
  Q4_0: { weights: 32, bytes: 2 + 16 },
};

/** Whether rows of `rowLength` weights can be stored as `type` (block types need whole blocks per row). */
export function fitsRows(type: GgmlType, rowLength: number): boolean {
  return rowLength % GGML_BLOCKS[type].weights === 0;
}

export function encodedBytes(type: GgmlType, elements: number): number {
  const block = GGML_BLOCKS[type];
  if (elements % block.weights !== 0) throw new Error(`ggml ${type}: ${elements} weights are not whole blocks of ${block.weights}`);
  return (elements / block.weights) * block.bytes;
}

/** Encodes `values` (rows back to back; every row a whole number of blocks for Q8_0/Q4_0) as `type`. */
export function encodeGgml(type: GgmlType, values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(encodedBytes(type, values.length));
  const view = new DataView(bytes.buffer);
  if (type === 'F32') values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  else if (type === 'F16') values.forEach((value, index) => view.setUint16(index * 2, toFloat16Bits(value), true));
  else {
    const encodeBlock = type === 'Q8_0' ? encodeQ8Block : encodeQ4Block;
    const { weights, bytes: blockBytes } = GGML_BLOCKS[type];
    for (let block = 0; block * weights < values.length; block++) {
      encodeBlock(values.subarray(block * weights, (block + 1) * weights), view, block * blockBytes);
    }
  }
  return bytes;
}

function encodeQ8Block(block: Float32Array, view: DataView, offset: number): void {
  let largest = 0;
  for (const value of block) largest = Math.max(largest, Math.abs(value));
  const scale = Math.fround(largest / 127);
  const inverse = scale === 0 ? 0 : Math.fround(1 / scale);
  view.setUint16(offset, toFloat16Bits(scale), true);
  block.forEach((value, index) => view.setInt8(offset + 2 + index, roundHalfAway(Math.fround(value * inverse))));
}

function encodeQ4Block(block: Float32Array, view: DataView, offset: number): void {
  let largest = 0;
  let extreme = 0;
  for (const value of block) {
    if (Math.abs(value) > largest) {
      largest = Math.abs(value);
      extreme = value;
    }
  }
  const scale = Math.fround(extreme / -8);
  const inverse = scale === 0 ? 0 : Math.fround(1 / scale);
  view.setUint16(offset, toFloat16Bits(scale), true);
  const code = (value: number) => Math.min(15, Math.trunc(Math.fround(Math.fround(value * inverse) + 8.5)));
  const half = block.length / 2;
  for (let index = 0; index < half; index++) view.setUint8(offset + 2 + index, code(block[index]!) | (code(block[index + half]!) << 4));
}

/** C's roundf: halves round away from zero. */
function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.floor(Math.abs(value) + 0.5);
}

/** The weights `bytes` stand for (what llama.cpp computes with): for the quantization report and the tests. */
export function decodeGgml(type: GgmlType, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { weights, bytes: blockBytes } = GGML_BLOCKS[type];
  const values = new Float32Array((bytes.byteLength / blockBytes) * weights);
  for (let block = 0; block * blockBytes < bytes.byteLength; block++) {
    const offset = block * blockBytes;
    const base = block * weights;
    if (type === 'F32') values[base] = view.getFloat32(offset, true);
    else if (type === 'F16') values[base] = fromFloat16Bits(view.getUint16(offset, true));
    else {
      const scale = fromFloat16Bits(view.getUint16(offset, true));
      for (let index = 0; index < weights; index++) {
        values[base + index] = scale * (type === 'Q8_0' ? view.getInt8(offset + 2 + index) : q4Code(view, offset, index) - 8);
      }
    }
  }
  return values;
}

function q4Code(view: DataView, offset: number, index: number): number {
  const byte = view.getUint8(offset + 2 + (index % 16));
  return index < 16 ? byte & 0x0f : byte >>> 4;
}
