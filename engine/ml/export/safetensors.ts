// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header of
// name -> {dtype, shape, data_offsets} plus optional "__metadata__" strings, then the tensors' bytes back to back.

import { readFileSync } from 'node:fs';
import { writeFileAtomically } from '../../files/atomic-file.ts';
import { parseJsonText } from '../../files/json-text.ts';
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

/** Writes the file atomically (a crash leaves the old file or the new one); tensors in name order, one buffer at a time. */
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

  writeFileAtomically(file, (append) => {
    append(lengthPrefix);
    append(headerBytes);
    for (const name of names) {
      const data = (tensors.get(name) as HostTensor).data;
      append(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  });
}

/** What to do about a safetensors file that cannot be read. */
const DAMAGED = 'the file is damaged or not a safetensors file — re-export or re-download it';
const GIT_LFS_POINTER = 'version https://git-lfs';

/** Reads a whole safetensors file; a truncated, damaged or inconsistent file throws naming the file and the problem. */
export function readSafetensors(file: string): SafetensorsContent {
  const bytes = readFileSync(file);
  const { header, dataStart } = readHeader(file, bytes);
  const tensors = new Map<string, HostTensor>();
  let dataEnd = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = headerEntryOf(file, name, raw);
    const [begin, end] = entry.data_offsets;
    if (dataStart + end > bytes.length) throw new Error(`${file}: tensor "${name}" ends at byte ${dataStart + end} of ${bytes.length}; the file is truncated — re-export or re-download it`);
    const data = ARRAY_OF[entry.dtype]!(bytes.buffer.slice(bytes.byteOffset + dataStart + begin, bytes.byteOffset + dataStart + end));
    if (data.length !== elementCountOf(entry.shape)) throw new Error(`${file}: tensor "${name}" holds ${data.length} values for shape [${entry.shape.join(',')}]; ${DAMAGED}`);
    tensors.set(name, { dtype: DTYPE_OF[entry.dtype]!, shape: entry.shape, data });
    dataEnd = Math.max(dataEnd, end);
  }
  if (dataStart + dataEnd !== bytes.length) throw new Error(`${file}: ${bytes.length - dataStart - dataEnd} bytes after the last tensor; ${DAMAGED}`);
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}

/** The JSON header after the 8-byte length, and where the tensors' bytes start. */
function readHeader(file: string, bytes: Buffer): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.subarray(0, GIT_LFS_POINTER.length).toString('latin1') === GIT_LFS_POINTER) {
    throw new Error(`${file}: a Git LFS pointer, not the weights; run \`git lfs pull\` where it was cloned, or download the file itself`);
  }
  if (bytes.length < 8) throw new Error(`${file}: only ${bytes.length} bytes, too short for a safetensors header; ${DAMAGED}`);
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new Error(`${file}: its first 8 bytes give a header of ${headerLength} bytes, past the end of the ${bytes.length}-byte file; the file is truncated or damaged, or not a safetensors file — re-export or re-download it`);
  }
  const dataStart = 8 + Number(headerLength);
  const parsed = parseJsonText(bytes.subarray(8, dataStart).toString('utf8'));
  if (!parsed.ok) throw new Error(`${file}: the header is ${parsed.problem}; ${DAMAGED}`);
  const header = parsed.value;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error(`${file}: the header is not a JSON object; ${DAMAGED}`);
  return { header: header as Record<string, unknown>, dataStart };
}

/** One tensor's header entry, checked: a dtype this reader knows, a shape, and offsets that make sense. */
function headerEntryOf(file: string, name: string, raw: unknown): HeaderEntry {
  const malformed = (problem: string) => new Error(`${file}: the header entry of tensor ${JSON.stringify(name)} ${problem}; ${DAMAGED}`);
  if (typeof raw !== 'object' || raw === null) throw malformed('is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Partial<Record<keyof HeaderEntry, unknown>>;
  if (typeof dtype !== 'string') throw malformed('has no dtype');
  if (!isCountList(shape)) throw malformed('has no valid shape');
  if (!isCountList(offsets) || offsets.length !== 2 || offsets[0]! > offsets[1]!) throw malformed('has no valid data_offsets');
  if (ARRAY_OF[dtype] === undefined) throw new Error(`${file}: tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; Crucible reads F32, F64, I64 and I32`);
  return { dtype, shape, data_offsets: [offsets[0]!, offsets[1]!] };
}

function isCountList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
}
