// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header of
// name -> {dtype, shape, data_offsets} plus optional "__metadata__" strings, then the tensors' bytes back to back.
// Writes F32/F64/I64/I32; reads those plus F16 and BF16 (hub checkpoints), which arrive converted to float32.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomically } from '../../files/atomic-file.ts';
import { parseJsonText } from '../../files/json-text.ts';
import type { AnyTypedArray, DType } from '../onnx/data-types.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';
import { fromFloat16Bits } from './gguf/float16.ts';

const SAFETENSORS_DTYPE: Partial<Record<DType, string>> = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32' };
const HEADER_ALIGNMENT = 8;
/** One readSync call reads at most this many bytes (Node's limit is just under 2 GiB). */
const MAX_READ_BYTES = 1 << 30;

interface DtypeReader {
  dtype: DType;
  itemBytes: number;
  allocate(count: number): AnyTypedArray;
  /** Half-width floats: widen the stored 16-bit words into float32. */
  convert?(stored: Uint16Array, out: Float32Array): void;
}

const READERS: Record<string, DtypeReader> = {
  F32: { dtype: 'float32', itemBytes: 4, allocate: (count) => new Float32Array(count) },
  F64: { dtype: 'float64', itemBytes: 8, allocate: (count) => new Float64Array(count) },
  I64: { dtype: 'int64', itemBytes: 8, allocate: (count) => new BigInt64Array(count) },
  I32: { dtype: 'int32', itemBytes: 4, allocate: (count) => new Int32Array(count) },
  F16: { dtype: 'float32', itemBytes: 2, allocate: (count) => new Float32Array(count), convert: float16ToFloat32 },
  BF16: { dtype: 'float32', itemBytes: 2, allocate: (count) => new Float32Array(count), convert: bfloat16ToFloat32 },
};

export interface SafetensorsContent {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  /** Each loaded tensor's dtype as the file stores it ("F32", "F16", "BF16", …), before any widening. */
  storedDtypes: Map<string, string>;
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

/** What a safetensors file that cannot be read is. */
const DAMAGED = 'the file is damaged or not a safetensors file';

/**
 * A safetensors file that is truncated or damaged. `reason` says what is wrong without the remedy, for a reader that
 * knows a better one than the message's (a training checkpoint is deleted, not re-downloaded).
 */
export class DamagedSafetensorsError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason} — re-export or re-download it`);
  }
}
const GIT_LFS_POINTER = 'version https://git-lfs';

/** One tensor as the header describes it: the stored dtype (e.g. "BF16"), shape, and byte range in the data. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Byte offsets relative to the start of the data section. */
  begin: number;
  end: number;
}

/** A file's header alone, read without its tensors: enough to check names, dtypes and shapes before loading. */
export interface SafetensorsHeader {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

export interface ReadSafetensorsOptions {
  /** Tensors to load; the others are skipped unread (their dtype may be one this reader does not know). Default: all. */
  select?: (name: string) => boolean;
}

/**
 * Reads a safetensors file tensor by tensor straight into each tensor's typed array (no whole-file buffer).
 * F16 and BF16 tensors come back as float32; `storedDtypes` keeps what the file held. A truncated, damaged or
 * inconsistent file throws naming the file and the problem.
 */
export function readSafetensors(file: string, options: ReadSafetensorsOptions = {}): SafetensorsContent {
  const fd = openSync(file, 'r');
  try {
    const header = readHeaderFrom(fd, file);
    const tensors = new Map<string, HostTensor>();
    const storedDtypes = new Map<string, string>();
    const scratch = { bytes: new Uint8Array(0) };
    for (const [name, entry] of header.entries) {
      if (options.select !== undefined && !options.select(name)) continue;
      tensors.set(name, readEntry(fd, file, header.dataStart, name, entry, scratch));
      storedDtypes.set(name, entry.dtype);
    }
    return { tensors, metadata: header.metadata, storedDtypes };
  } finally {
    closeSync(fd);
  }
}

/** The header of a safetensors file, checked (offsets inside the file, no bytes after the last tensor), without the data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, 'r');
  try {
    return readHeaderFrom(fd, file);
  } finally {
    closeSync(fd);
  }
}

function readHeaderFrom(fd: number, file: string): SafetensorsHeader {
  const fileBytes = fstatSync(fd).size;
  const start = readBytes(fd, file, Math.min(fileBytes, Math.max(8, GIT_LFS_POINTER.length)), 0);
  if (start.subarray(0, GIT_LFS_POINTER.length).toString('latin1') === GIT_LFS_POINTER) {
    throw new Error(`${file}: a Git LFS pointer, not the weights; run \`git lfs pull\` where it was cloned, or download the file itself`);
  }
  if (fileBytes < 8) throw new DamagedSafetensorsError(file, `only ${fileBytes} bytes, too short for a safetensors header; ${DAMAGED}`);
  const headerLength = start.readBigUInt64LE(0);
  if (headerLength > BigInt(fileBytes - 8)) {
    throw new DamagedSafetensorsError(file, `its first 8 bytes give a header of ${headerLength} bytes, past the end of the ${fileBytes}-byte file; the file is truncated or damaged, or not a safetensors file`);
  }
  const dataStart = 8 + Number(headerLength);
  const parsed = parseJsonText(readBytes(fd, file, Number(headerLength), 8).toString('utf8'));
  if (!parsed.ok) throw new DamagedSafetensorsError(file, `the header is ${parsed.problem}; ${DAMAGED}`);
  const header = parsed.value;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new DamagedSafetensorsError(file, `the header is not a JSON object; ${DAMAGED}`);
  const entries = new Map<string, SafetensorsEntry>();
  let dataEnd = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = headerEntryOf(file, name, raw);
    if (dataStart + entry.end > fileBytes) throw new DamagedSafetensorsError(file, `tensor "${name}" ends at byte ${dataStart + entry.end} of ${fileBytes}; the file is truncated`);
    entries.set(name, entry);
    dataEnd = Math.max(dataEnd, entry.end);
  }
  if (dataStart + dataEnd !== fileBytes) throw new DamagedSafetensorsError(file, `${fileBytes - dataStart - dataEnd} bytes after the last tensor; ${DAMAGED}`);
  return { entries, metadata: ((header as Record<string, unknown>).__metadata__ as Record<string, string> | undefined) ?? {}, dataStart };
}

/** Reads one tensor: stored types straight into their typed array, F16/BF16 through a reused scratch buffer into float32. */
function readEntry(fd: number, file: string, dataStart: number, name: string, entry: SafetensorsEntry, scratch: { bytes: Uint8Array }): HostTensor {
  const reader = READERS[entry.dtype];
  if (reader === undefined) throw new Error(`${file}: tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(entry.dtype)}; Crucible reads ${Object.keys(READERS).join(', ')}`);
  const byteLength = entry.end - entry.begin;
  const count = elementCountOf(entry.shape);
  if (byteLength !== count * reader.itemBytes) {
    throw new DamagedSafetensorsError(file, `tensor "${name}" holds ${byteLength / reader.itemBytes} values for shape [${entry.shape.join(',')}]; ${DAMAGED}`);
  }
  const position = dataStart + entry.begin;
  if (reader.convert === undefined) {
    const data = reader.allocate(count);
    readInto(fd, file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    return { dtype: reader.dtype, shape: entry.shape, data };
  }
  if (scratch.bytes.byteLength < byteLength) scratch.bytes = new Uint8Array(byteLength);
  const stored = scratch.bytes.subarray(0, byteLength);
  readInto(fd, file, stored, position);
  const data = new Float32Array(count);
  reader.convert(new Uint16Array(stored.buffer, 0, count), data);
  return { dtype: 'float32', shape: entry.shape, data };
}

function readBytes(fd: number, file: string, length: number, position: number): Buffer {
  const bytes = Buffer.alloc(length);
  readInto(fd, file, bytes, position);
  return bytes;
}

/** readSync until `target` is full (one call reads at most 2 GiB); a file that ends early is truncated. */
function readInto(fd: number, file: string, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.byteLength) {
    const read = readSync(fd, target, done, Math.min(target.byteLength - done, MAX_READ_BYTES), position + done);
    if (read === 0) throw new DamagedSafetensorsError(file, `the file ended while reading byte ${position + done}; the file is truncated`);
    done += read;
  }
}

/** One tensor's header entry, checked: a dtype string, a shape, and offsets that make sense. */
function headerEntryOf(file: string, name: string, raw: unknown): SafetensorsEntry {
  const malformed = (problem: string) => new DamagedSafetensorsError(file, `the header entry of tensor ${JSON.stringify(name)} ${problem}; ${DAMAGED}`);
  if (typeof raw !== 'object' || raw === null) throw malformed('is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Partial<Record<keyof HeaderEntry, unknown>>;
  if (typeof dtype !== 'string') throw malformed('has no dtype');
  if (!isCountList(shape)) throw malformed('has no valid shape');
  if (!isCountList(offsets) || offsets.length !== 2 || offsets[0]! > offsets[1]!) throw malformed('has no valid data_offsets');
  return { dtype, shape, begin: offsets[0]!, end: offsets[1]! };
}

function isCountList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
}

/** bfloat16 is float32's upper half: shift each word into the high 16 bits. */
function bfloat16ToFloat32(stored: Uint16Array, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let index = 0; index < stored.length; index++) bits[index] = (stored[index] as number) << 16;
}

let float16Table: Float32Array | null = null;

/** IEEE half precision through a 65,536-entry table (256 KiB, built once): exact, NaN and infinities kept. */
function float16ToFloat32(stored: Uint16Array, out: Float32Array): void {
  const table = (float16Table ??= buildFloat16Table());
  for (let index = 0; index < stored.length; index++) out[index] = table[stored[index] as number] as number;
}

function buildFloat16Table(): Float32Array {
  const table = new Float32Array(65536);
  for (let word = 0; word < 65536; word++) table[word] = fromFloat16Bits(word);
  return table;
}
