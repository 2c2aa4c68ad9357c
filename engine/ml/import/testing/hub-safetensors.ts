// Test support: writes safetensors files the way hub checkpoints store them (F32, F16 or BF16), streaming one tensor
// at a time from a producer so a GPT-2-small-sized file never needs all its values in memory at once.

import { closeSync, openSync, writeSync } from 'node:fs';
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

export function writeHubSafetensors(file: string, dtype: HubDtype, tensors: readonly StreamedTensor[]): void {
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
