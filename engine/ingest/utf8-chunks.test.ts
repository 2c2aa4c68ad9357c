import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Chunks, firstInvalidUtf8Offset } from './utf8-chunks.ts';

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

async function decode(bytes: Uint8Array, cuts: number[] = []): Promise<string> {
  let text = '';
  for await (const chunk of decodeUtf8Chunks(chunksOf(bytes, cuts), 'f.txt')) text += chunk;
  return text;
}

const cutsWithin = (length: number) => fc.array(fc.integer({ min: 0, max: length }), { maxLength: 6 });

describe('decodeUtf8Chunks', () => {
  it('decodes any text the same wherever the chunks are cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }).chain((text) => fc.tuple(fc.constant(text), cutsWithin(Buffer.byteLength(text)))), async ([text, cuts]) => {
        expect(await decode(Buffer.from(text), cuts)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('drops a leading BOM only', async () => {
    expect(await decode(Buffer.from('\uFEFFa\uFEFFb'), [1, 2])).toBe('a\uFEFFb');
  });

  it('reports the offset of an invalid byte, even when its sequence started in the previous chunk', async () => {
    const bytes = Buffer.concat([Buffer.from('abcé'), Buffer.from([0xe2, 0x82]), Buffer.from('x')]);
    for (const cuts of [[], [5], [6], [7]]) {
      await expect(decode(bytes, cuts)).rejects.toThrow(/"f\.txt" is not valid UTF-8: byte 0xe2 at byte offset 5/);
    }
  });

  it('reports a file that ends inside a character', async () => {
    await expect(decode(Buffer.from([0x61, 0xf0, 0x9f]), [2])).rejects.toThrow(/ends inside a multi-byte character at byte offset 1/);
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('agrees with a strict TextDecoder on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        let strictOk = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          strictOk = false;
        }
        expect(firstInvalidUtf8Offset(bytes) === -1).toBe(strictOk);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects overlong forms, surrogates and code points past U+10FFFF', () => {
    expect(firstInvalidUtf8Offset(Uint8Array.from([0x41, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8Offset(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8Offset(Buffer.from('ok 😀'))).toBe(-1);
  });
});
