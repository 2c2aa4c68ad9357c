// Checks the protobuf writer against byte sequences from the protobuf encoding guide.
// ONNX Runtime acceptance is covered by encode-model.test.ts.

import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf-writer.ts';

function bytesOf(write: (writer: ProtoWriter) => void): number[] {
  const writer = new ProtoWriter();
  write(writer);
  return Array.from(writer.finish());
}

describe('ProtoWriter', () => {
  it('writes varints with their field tag', () => {
    expect(bytesOf((w) => w.varintField(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytesOf((w) => w.varintField(2, 300))).toEqual([0x10, 0xac, 0x02]);
    expect(bytesOf((w) => w.varintField(20, 0))).toEqual([0xa0, 0x01, 0x00]);
  });

  it('writes large and negative int64 values as 64-bit two-complement varints', () => {
    expect(bytesOf((w) => w.varintField(1, -1))).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytesOf((w) => w.varintField(1, 2 ** 35))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(bytesOf((w) => w.varintField(1, 2n ** 35n))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it('writes strings and nested messages length-delimited', () => {
    expect(bytesOf((w) => w.stringField(2, 'testing'))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytesOf((w) => w.messageField(3, (inner) => inner.varintField(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
  });

  it('writes packed varints and fixed-width floats', () => {
    expect(bytesOf((w) => w.packedVarintField(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
    expect(bytesOf((w) => w.floatField(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytesOf((w) => w.doubleField(1, 1))).toEqual([0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });

  it('grows its buffer past the initial capacity', () => {
    const payload = new Uint8Array(1000).map((_, index) => index % 251);
    const bytes = bytesOf((w) => w.bytesField(1, payload));
    expect(bytes.slice(0, 3)).toEqual([0x0a, 0xe8, 0x07]);
    expect(bytes.slice(3)).toEqual(Array.from(payload));
  });

  it('rejects unsafe integers and invalid field numbers', () => {
    expect(() => bytesOf((w) => w.varintField(1, 2 ** 60))).toThrow(/safe integer/);
    expect(() => bytesOf((w) => w.varintField(0, 1))).toThrow(/field number/);
  });
});
