// Reading safetensors as hub checkpoints store them: F16 and BF16 widen to float32 exactly (specials included),
// the header reads alone, a selection skips tensors unread (even of unknown dtypes), and a short file is refused.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHubSafetensors, type HubDtype } from '../import/testing/hub-safetensors.ts';
import { readSafetensors, readSafetensorsHeader } from './safetensors.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-safetensors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function roundTrip(dtype: HubDtype, values: number[]): { data: Float32Array; stored: string | undefined } {
  const file = path.join(root, `${dtype}.safetensors`);
  writeHubSafetensors(file, dtype, [{ name: 'w', shape: [values.length], values: () => Float32Array.from(values) }]);
  const read = readSafetensors(file);
  const tensor = read.tensors.get('w');
  expect(tensor?.dtype).toBe('float32');
  expect(tensor?.shape).toEqual([values.length]);
  return { data: tensor?.data as Float32Array, stored: read.storedDtypes.get('w') };
}

/** Raw 16-bit words in a safetensors file, to test the reader on exact bit patterns. */
function rawHalfFile(dtype: 'F16' | 'BF16', words: number[]): string {
  const file = path.join(root, `raw-${dtype}.safetensors`);
  const header = Buffer.from(JSON.stringify({ w: { dtype, shape: [words.length], data_offsets: [0, 2 * words.length] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(file, Buffer.concat([length, header, Buffer.from(Uint16Array.from(words).buffer)]));
  return file;
}

describe('safetensors half-precision reading', () => {
  it('widens F16 bit patterns exactly: normals, the largest, subnormals, zeros, infinities, NaN', () => {
    const file = rawHalfFile('F16', [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]);
    const data = readSafetensors(file).tensors.get('w')?.data as Float32Array;
    expect(Array.from(data.subarray(0, 9))).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 0, -0, Infinity, -Infinity]);
    expect(data[9]).toBeNaN();
    expect(data[10]).toBe(Math.fround(0.333251953125));
  });

  it('widens BF16 bit patterns exactly (the upper half of a float32)', () => {
    const file = rawHalfFile('BF16', [0x3f80, 0xc040, 0x7f80, 0x0001, 0x3dcd, 0x7fc0]);
    const data = readSafetensors(file).tensors.get('w')?.data as Float32Array;
    expect(Array.from(data.subarray(0, 5))).toEqual([1, -3, Infinity, 2 ** -133, Math.fround(0.10009765625)]);
    expect(data[5]).toBeNaN();
  });

  it('round-trips float32 values through F16 and BF16 within half a unit in the last place', () => {
    const values = [0.1, -0.02, 3.14159, 1e-3, -7.5e-5, 1234.5, 1e-6, 0];
    const f16 = roundTrip('F16', values);
    const bf16 = roundTrip('BF16', values);
    expect([f16.stored, bf16.stored]).toEqual(['F16', 'BF16']);
    values.forEach((value, index) => {
      expect(Math.abs((f16.data[index] as number) - value)).toBeLessThanOrEqual(Math.max(Math.abs(value) * 2 ** -11, 2 ** -25));
      expect(Math.abs((bf16.data[index] as number) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -8);
    });
    expect(Array.from(roundTrip('F32', values).data)).toEqual(values.map(Math.fround));
  });
});

describe('safetensors header and selection', () => {
  const file = path.join(root, 'mixed.safetensors');
  const header = Buffer.from(JSON.stringify({ keep: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, mask: { dtype: 'BOOL', shape: [3], data_offsets: [8, 11] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(file, Buffer.concat([length, header, Buffer.from(Float32Array.of(1.5, -2).buffer), Buffer.from([1, 0, 1])]));

  it('reads the header alone: names, stored dtypes, shapes and byte ranges', () => {
    const { entries, dataStart } = readSafetensorsHeader(file);
    expect(dataStart).toBe(8 + header.length);
    expect(entries.get('mask')).toEqual({ dtype: 'BOOL', shape: [3], begin: 8, end: 11 });
  });

  it('skips unselected tensors unread, even of a dtype it cannot load, and names that dtype when asked to load it', () => {
    const read = readSafetensors(file, { select: (name) => name === 'keep' });
    expect([...read.tensors.keys()]).toEqual(['keep']);
    expect(Array.from(read.tensors.get('keep')?.data as Float32Array)).toEqual([1.5, -2]);
    expect(() => readSafetensors(file)).toThrow(`${file}: tensor "mask" has dtype "BOOL"; Crucible reads F32, F64, I64, I32, F16, BF16`);
  });

  it('refuses a file cut short before its last tensor ends', () => {
    const cut = path.join(root, 'cut.safetensors');
    writeFileSync(cut, readFileSync(file).subarray(0, 8 + header.length + 6));
    expect(() => readSafetensorsHeader(cut)).toThrow(/tensor "keep" ends at byte \d+ of \d+; the file is truncated/);
  });
});
