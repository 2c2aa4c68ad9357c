// Test support: writes safetensors files the way hub checkpoints store them (F32, F16 or BF16), streaming one tensor
// at a time from a producer so a GPT-2-small-sized file never needs all its values in memory at once.

import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { toFloat16Bits } from '../../export/gguf/float16.ts';
import { elementCountOf } from '../../tensor/host-tensor.ts';

export type HubDtype = 'F32' | 'F16' | 'BF16';

const ITEM_BYTES: Record<HubDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface StreamedTensor {
  name: string;
  shape: readonly number[];
  /** Called once, when the tensor's bytes are written. */
  values(): Float32Array;
}

export interface HubWeightWriteOptions {
  /**
   * Leaves the tensor data a hole: the file gets its full size (sparse, nothing written), so headers check as a real
   * checkpoint's do and a model of gigabytes costs nothing to write; reading it gives zeros. For checks that must
   * refuse before any weight is read.
   */
  hollow?: boolean;
}

export function writeHubSafetensors(file: string, dtype: HubDtype, tensors: readonly StreamedTensor[], options: HubWeightWriteOptions = {}): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const tensor of tensors) {
    const bytes = elementCountOf(tensor.shape) * ITEM_BYTES[dtype];
    header[tensor.name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (Buffer.byteLength(headerText) % 8)) % 8);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const lengthPrefix = Buffer.alloc(8);
  lengthPrefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, lengthPrefix);
    writeSync(fd, headerBytes);
    if (options.hollow === true) {
      ftruncateSync(fd, lengthPrefix.length + headerBytes.length + offset);
      return;
    }
    for (const tensor of tensors) {
      const values = tensor.values();
      if (values.length !== elementCountOf(tensor.shape)) throw new Error(`writeHubSafetensors: "${tensor.name}" has ${values.length} values for shape [${tensor.shape.join(',')}]`);
      writeAll(fd, encode(values, dtype));
    }
  } finally {
    closeSync(fd);
  }
}

function encode(values: Float32Array, dtype: HubDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const words = new Uint16Array(values.length);
  if (dtype === 'BF16') float32ToBfloat16(values, words);
  else for (let index = 0; index < values.length; index++) words[index] = toFloat16Bits(values[index] as number);
  return new Uint8Array(words.buffer);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30));
}

/** Round to nearest even on the dropped 16 bits, as torch's .to(torch.bfloat16); NaN stays NaN. */
export function float32ToBfloat16(values: Float32Array, out: Uint16Array): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let index = 0; index < values.length; index++) {
    const word = bits[index] as number;
    if ((word & 0x7fffffff) > 0x7f800000) out[index] = (word >>> 16) | 0x40;
    else out[index] = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
  }
}

/** model.safetensors, or (shards > 1) model.safetensors.index.json and that many shards, as save_pretrained splits them. */
export function writeHubWeightFiles(dir: string, tensors: readonly StreamedTensor[], options: { dtype: HubDtype; shards: number } & HubWeightWriteOptions): void {
  const { dtype, shards } = options;
  if (shards <= 1) {
    writeHubSafetensors(path.join(dir, 'model.safetensors'), dtype, tensors, options);
    return;
  }
  if (shards > tensors.length) throw new Error(`writeHubWeightFiles: ${shards} shards for ${tensors.length} tensors; use fewer shards`);
  const groups = Array.from({ length: shards }, (_, part) => tensors.slice(Math.floor((part * tensors.length) / shards), Math.floor(((part + 1) * tensors.length) / shards)));
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  groups.forEach((group, index) => {
    const file = `model-${String(index + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    writeHubSafetensors(path.join(dir, file), dtype, group, options);
    for (const tensor of group) {
      weightMap[tensor.name] = file;
      totalSize += elementCountOf(tensor.shape) * ITEM_BYTES[dtype];
    }
  });
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`);
}

/**
 * centre + spread · U[-1, 1) from xorshift32, inlined: a GPT-2-small folder's 124M values take well under a second
 * (a call per value through createRandom takes ten). Uniform in [-a, a) has standard deviation a / sqrt(3).
 */
export function seededUniform(count: number, seed: number, centre: number, spread: number): Float32Array {
  const values = new Float32Array(count);
  let state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0x2545f491) | 0 || 1;
  for (let index = 0; index < count; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values[index] = centre + spread * ((state >>> 0) / 2147483648 - 1);
  }
  return values;
}
