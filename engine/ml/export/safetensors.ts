// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header of
// name -> {dtype, shape, data_offsets} plus optional "__metadata__" strings, then the tensors' bytes back to back.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AnyTypedArray, DType } from '../onnx/data-types.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';

const SAFETENSORS_DTYPE: Partial<Record<DType, string>> = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32' };
const DTYPE_OF: Record<string, DType> = { F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32' };
const ARRAY_OF: Record<string, (buffer: ArrayBuffer) => AnyTypedArray> = {
  F32: (buffer) => new Float32Array(buffer),
  F64: (buffer) => new Float64Array(buffer),
  I64: (buffer) => new BigInt64Array(buffer),
  I32: (buffer) => new Int32Array(buffer),
};
const HEADER_ALIGNMENT = 8;

export interface SafetensorsContent {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Writes the file atomically: into a temp file beside `file`, flushed to disk, then renamed over it, so a crash
 * leaves either the old file or the new one. Tensors are written in name order, one buffer at a time.
 */
export function writeSafetensors(file: string, tensors: ReadonlyMap<string, HostTensor>, metadata: Record<string, string> = {}): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const tensor = tensors.get(name) as HostTensor;
    const dtype = SAFETENSORS_DTYPE[tensor.dtype];
    if (dtype === undefined) throw new Error(`safetensors ${file}: tensor "${name}" has dtype ${tensor.dtype}, which this writer does not store`);
    if (tensor.data.length !== elementCountOf(tensor.shape)) throw new Error(`safetensors ${file}: tensor "${name}" has ${tensor.data.length} values for shape [${tensor.shape.join(',')}]`);
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((HEADER_ALIGNMENT - (Buffer.byteLength(headerText) % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const lengthPrefix = Buffer.alloc(8);
  lengthPrefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeAll(fd, lengthPrefix);
    writeAll(fd, headerBytes);
    for (const name of names) {
      const data = (tensors.get(name) as HostTensor).data;
      writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed before the failure.
    }
    rmSync(temp, { force: true });
    throw error;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Reads a whole safetensors file; a truncated or inconsistent file throws naming the file and the problem. */
export function readSafetensors(file: string): SafetensorsContent {
  const bytes = readFileSync(file);
  if (bytes.length < 8) throw new Error(`safetensors ${file}: only ${bytes.length} bytes; the file is truncated`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw new Error(`safetensors ${file}: header of ${headerLength} bytes runs past the end of the file; it is truncated`);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, HostTensor>();
  let dataEnd = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    const toArray = ARRAY_OF[entry.dtype];
    const dtype = DTYPE_OF[entry.dtype];
    if (toArray === undefined || dtype === undefined) throw new Error(`safetensors ${file}: tensor "${name}" has dtype ${entry.dtype}; Crucible reads F32, F64, I64 and I32`);
    const [begin, end] = entry.data_offsets;
    if (dataStart + end > bytes.length) throw new Error(`safetensors ${file}: tensor "${name}" ends at byte ${dataStart + end} of ${bytes.length}; the file is truncated`);
    const data = toArray(bytes.buffer.slice(bytes.byteOffset + dataStart + begin, bytes.byteOffset + dataStart + end));
    if (data.length !== elementCountOf(entry.shape)) throw new Error(`safetensors ${file}: tensor "${name}" holds ${data.length} values for shape [${entry.shape.join(',')}]`);
    tensors.set(name, { dtype, shape: entry.shape, data });
    dataEnd = Math.max(dataEnd, end);
  }
  if (dataStart + dataEnd !== bytes.length) throw new Error(`safetensors ${file}: ${bytes.length - dataStart - dataEnd} bytes after the last tensor; the file is damaged`);
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
