// Writes a GGUF v3 file (ggml's format, read by llama.cpp, Ollama and LM Studio): "GGUF", version 3, the tensor
// count and key/value count (uint64), the key/values (a string key, a uint32 value type, the value), the tensor infos
// (name, dimension count, dims as uint64 with the row length first, ggml type, offset into the data), zero padding
// to the alignment, then each tensor's bytes padded to the alignment. Strings are a uint64 byte length and UTF-8
// without a terminator; every number is little-endian. Architecture-agnostic: the keys and tensors come from the caller.

import { writeFileAtomically } from '../../../files/atomic-file.ts';
import { encodedBytes, GGML_TYPE_IDS, type GgmlType } from './ggml-types.ts';

/** llama.cpp's default; files that keep it need no `general.alignment` key. */
export const GGUF_ALIGNMENT = 32;
const GGUF_VERSION = 3;

/** GGUF value types, by their numbers in the file. */
const VALUE_TYPE = { uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10, int64: 11, float64: 12 } as const;

type ScalarType = 'uint32' | 'int32' | 'uint64' | 'float32' | 'bool' | 'string';
type NumericArrayType = 'int32' | 'uint32' | 'float32';

export type GgufValue =
  | { type: 'uint32' | 'int32' | 'uint64' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; values: readonly string[] }
  | { type: 'array'; of: NumericArrayType; values: ArrayLike<number> };

/** Value constructors, so a key's type is stated where the key is written (llama.cpp rejects a wrong integer type). */
export const gguf = {
  uint32: (value: number): GgufValue => ({ type: 'uint32', value }),
  int32: (value: number): GgufValue => ({ type: 'int32', value }),
  uint64: (value: number): GgufValue => ({ type: 'uint64', value }),
  float32: (value: number): GgufValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  strings: (values: readonly string[]): GgufValue => ({ type: 'array', of: 'string', values }),
  int32s: (values: ArrayLike<number>): GgufValue => ({ type: 'array', of: 'int32', values }),
};

export interface GgufTensor {
  name: string;
  /** ggml order: the row length (ne[0]) first, so a row-major [rows, cols] matrix is [cols, rows]. */
  dims: readonly number[];
  type: GgmlType;
  /** The tensor's bytes in `type`; called once, while the file is written, so one tensor is in memory at a time. */
  encode(): Uint8Array;
}

export interface GgufContent {
  /** In file order; `general.architecture` should come first. */
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
}

/** Writes `file` atomically; returns its size in bytes. */
export function writeGgufFile(file: string, content: GgufContent): number {
  const header = new ByteWriter();
  header.bytes(Buffer.from('GGUF', 'latin1'));
  header.uint32(GGUF_VERSION);
  header.uint64(content.tensors.length);
  header.uint64(content.metadata.length);
  const keys = new Set<string>();
  for (const [key, value] of content.metadata) {
    if (keys.has(key)) throw new Error(`gguf ${file}: key "${key}" is written twice`);
    keys.add(key);
    header.string(key);
    writeValue(header, value, key);
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const tensor of content.tensors) {
    const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
    const size = encodedBytes(tensor.type, elements);
    header.string(tensor.name);
    header.uint32(tensor.dims.length);
    for (const dim of tensor.dims) header.uint64(dim);
    header.uint32(GGML_TYPE_IDS[tensor.type]);
    header.uint64(offset);
    sizes.push(size);
    offset += padded(size);
  }
  header.bytes(new Uint8Array(padded(header.length) - header.length));
  const headerBytes = header.finish();
  writeFileAtomically(file, (append) => {
    append(headerBytes);
    content.tensors.forEach((tensor, index) => {
      const bytes = tensor.encode();
      if (bytes.length !== sizes[index]) throw new Error(`gguf ${file}: tensor "${tensor.name}" encoded to ${bytes.length} bytes, expected ${sizes[index]} for ${tensor.type} [${tensor.dims.join(', ')}]`);
      append(bytes);
      append(new Uint8Array(padded(bytes.length) - bytes.length));
    });
  });
  return headerBytes.length + offset;
}

function padded(length: number): number {
  return Math.ceil(length / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
}

function writeValue(out: ByteWriter, value: GgufValue, key: string): void {
  out.uint32(VALUE_TYPE[value.type]);
  if (value.type !== 'array') {
    writeScalar(out, value.type, value.value, key);
    return;
  }
  out.uint32(VALUE_TYPE[value.of]);
  out.uint64(value.values.length);
  for (let index = 0; index < value.values.length; index++) writeScalar(out, value.of, value.values[index]!, key);
}

function writeScalar(out: ByteWriter, type: ScalarType, value: number | boolean | string, key: string): void {
  const integer = (low: number, high: number) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) throw new Error(`gguf: key "${key}" holds ${JSON.stringify(value)}, not a ${type}`);
    return value;
  };
  if (type === 'string') out.string(value as string);
  else if (type === 'bool') out.bytes(Uint8Array.of(value ? 1 : 0));
  else if (type === 'float32') out.float32(value as number);
  else if (type === 'uint32') out.uint32(integer(0, 2 ** 32 - 1));
  else if (type === 'int32') out.int32(integer(-(2 ** 31), 2 ** 31 - 1));
  else out.uint64(integer(0, Number.MAX_SAFE_INTEGER));
}

/** Little-endian bytes into chunks that grow as needed. */
class ByteWriter {
  private chunks: Uint8Array[] = [];
  private current = new DataView(new ArrayBuffer(1 << 16));
  private used = 0;
  length = 0;

  uint32(value: number): void {
    this.room(4).setUint32(this.used, value, true);
    this.advance(4);
  }

  int32(value: number): void {
    this.room(4).setInt32(this.used, value, true);
    this.advance(4);
  }

  uint64(value: number): void {
    this.room(8).setBigUint64(this.used, BigInt(value), true);
    this.advance(8);
  }

  float32(value: number): void {
    this.room(4).setFloat32(this.used, value, true);
    this.advance(4);
  }

  string(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.uint64(bytes.length);
    this.bytes(bytes);
  }

  bytes(bytes: Uint8Array): void {
    if (bytes.length > this.current.byteLength - this.used) {
      this.flush();
      this.chunks.push(Uint8Array.from(bytes));
      this.length += bytes.length;
      return;
    }
    new Uint8Array(this.current.buffer).set(bytes, this.used);
    this.advance(bytes.length);
  }

  finish(): Uint8Array {
    this.flush();
    return Buffer.concat(this.chunks);
  }

  private room(size: number): DataView {
    if (this.current.byteLength - this.used < size) this.flush();
    return this.current;
  }

  private advance(size: number): void {
    this.used += size;
    this.length += size;
  }

  private flush(): void {
    if (this.used > 0) this.chunks.push(new Uint8Array(this.current.buffer, 0, this.used));
    this.current = new DataView(new ArrayBuffer(1 << 16));
    this.used = 0;
  }
}
