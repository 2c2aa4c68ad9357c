// Test support: reads a GGUF file back (header, key/values with their types, tensor infos and data), checking the
// layout rules llama.cpp's loader enforces: version 3, offsets that follow each other at the alignment, an aligned
// data section and a file that ends after the last padded tensor.
import { readFileSync } from 'node:fs';
import { GGML_TYPE_IDS, encodedBytes, type GgmlType } from '../ggml-types.ts';

export interface ReadGgufValue {
  type: string;
  value: unknown;
}

export interface ReadGgufTensor {
  name: string;
  dims: number[];
  type: GgmlType;
  offset: number;
  data: Uint8Array;
}

export interface ReadGguf {
  version: number;
  metadata: Map<string, ReadGgufValue>;
  tensors: Map<string, ReadGgufTensor>;
  dataStart: number;
}

const TYPE_NAMES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'];
const GGML_TYPE_OF = new Map(Object.entries(GGML_TYPE_IDS).map(([name, id]) => [id, name as GgmlType]));

export function readGguf(file: string, alignment = 32): ReadGguf {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const u64 = () => ((at += 8), Number(view.getBigUint64(at - 8, true)));
  const string = () => {
    const length = u64();
    at += length;
    return bytes.subarray(at - length, at).toString('utf8');
  };
  const scalar = (type: string): unknown => {
    switch (type) {
      case 'uint8': return view.getUint8((at += 1) - 1);
      case 'int8': return view.getInt8((at += 1) - 1);
      case 'uint16': return view.getUint16((at += 2) - 2, true);
      case 'int16': return view.getInt16((at += 2) - 2, true);
      case 'uint32': return u32();
      case 'int32': return view.getInt32((at += 4) - 4, true);
      case 'float32': return view.getFloat32((at += 4) - 4, true);
      case 'bool': return view.getUint8((at += 1) - 1) !== 0;
      case 'string': return string();
      case 'uint64': return u64();
      case 'int64': return Number(view.getBigInt64((at += 8) - 8, true));
      case 'float64': return view.getFloat64((at += 8) - 8, true);
      default: throw new Error(`gguf ${file}: value type ${type} at byte ${at}`);
    }
  };
  if (bytes.subarray(0, 4).toString('latin1') !== 'GGUF') throw new Error(`${file}: no GGUF magic`);
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const keyCount = u64();
  const metadata = new Map<string, ReadGgufValue>();
  for (let index = 0; index < keyCount; index++) {
    const key = string();
    const type = TYPE_NAMES[u32()]!;
    if (type === 'array') {
      const itemType = TYPE_NAMES[u32()]!;
      const count = u64();
      metadata.set(key, { type: `array<${itemType}>`, value: Array.from({ length: count }, () => scalar(itemType)) });
    } else {
      metadata.set(key, { type, value: scalar(type) });
    }
  }
  const infos: Omit<ReadGgufTensor, 'data'>[] = [];
  for (let index = 0; index < tensorCount; index++) {
    const name = string();
    const dims = Array.from({ length: u32() }, u64);
    const type = GGML_TYPE_OF.get(u32());
    if (type === undefined) throw new Error(`${file}: tensor ${name} has a ggml type this reader does not know`);
    infos.push({ name, dims, type, offset: u64() });
  }
  const dataStart = Math.ceil(at / alignment) * alignment;
  const tensors = new Map<string, ReadGgufTensor>();
  let expectedOffset = 0;
  for (const info of infos) {
    if (info.offset !== expectedOffset) throw new Error(`${file}: tensor ${info.name} at offset ${info.offset}, expected ${expectedOffset}`);
    const size = encodedBytes(info.type, info.dims.reduce((product, dim) => product * dim, 1));
    tensors.set(info.name, { ...info, data: bytes.subarray(dataStart + info.offset, dataStart + info.offset + size) });
    expectedOffset += Math.ceil(size / alignment) * alignment;
  }
  if (dataStart + expectedOffset !== bytes.length) throw new Error(`${file}: ${bytes.length} bytes, expected ${dataStart + expectedOffset}`);
  return { version, metadata, tensors, dataStart };
}
