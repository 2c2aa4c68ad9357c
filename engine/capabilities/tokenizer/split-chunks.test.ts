// Checks reading a split in bounded pieces and cutting it into chunks: the chunks spell the documents joined by the
// separator, and encoding them one by one gives exactly the ids of encoding the joined text whole.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainBpe, trainChar } from '../../tokenize/index.ts';
import { splitChunks } from './split-chunks.ts';
import { readSplitPieces } from './split-pieces.ts';
import { writeSplit } from '../../../nodes/tokenizer/testing/corpus-fixture.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-split-chunks-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const SEPARATOR = '<|endoftext|>';
const documents = [
  'First document, with words and   spaces.\n',
  '',
  'Ünïcödé: 日本語のテキスト 😀👍🏽 e\u0301 — and a tab\there',
  'x'.repeat(300),
  `word `.repeat(400),
  `${SEPARATOR} inside a document, and trailing whitespace   \n\n`,
  'last',
];

function readAll(blockBytes: number): { text: string; startsDocument: boolean }[] {
  const split = writeSplit(workDir, 'train', documents);
  return [...readSplitPieces(split, blockBytes)];
}

describe('readSplitPieces', () => {
  it('yields each document in pieces cut between characters, even with 3-byte blocks', () => {
    for (const blockBytes of [3, 7, 1 << 20]) {
      const pieces = readAll(blockBytes);
      const rebuilt: string[] = [];
      for (const piece of pieces) {
        if (piece.startsDocument) rebuilt.push('');
        rebuilt[rebuilt.length - 1] += piece.text;
      }
      expect(rebuilt).toEqual(documents);
    }
  });

  it('treats a file without an index as one document', () => {
    const textPath = path.join(workDir, 'single.txt');
    writeFileSync(textPath, 'one\ntwo');
    expect([...readSplitPieces({ textPath, documentBoundaries: null })]).toEqual([{ text: 'one\ntwo', startsDocument: true, bytesRead: 7 }]);
  });

  it('refuses an index that does not match the file', () => {
    const split = writeSplit(workDir, 'val', ['abc', 'def']);
    expect(() => [...readSplitPieces({ ...split, documentBoundaries: Float64Array.of(0, 3, 9) })]).toThrow(/index ends at byte 9 but the file has 6 bytes; .*re-run the dataset node/);
    expect(() => [...readSplitPieces({ ...split, documentBoundaries: Float64Array.of(0, 4, 2, 6) })]).toThrow(/not in ascending order/);
  });

  it('names the file when the text is not UTF-8', () => {
    const textPath = path.join(workDir, 'latin1.txt');
    writeFileSync(textPath, Buffer.from([0x61, 0xe9, 0x62]));
    expect(() => [...readSplitPieces({ textPath, documentBoundaries: null })]).toThrow(/latin1\.txt: not valid UTF-8/);
  });
});

describe('splitChunks', () => {
  const joined = documents.join(SEPARATOR);
  const chunksOf = (chunkChars: number, separator: string | null) => [...splitChunks(readSplitPieces(writeSplit(workDir, 'train', documents), 5), { chunkChars, separator, addedTokens: [SEPARATOR] })].map((chunk) => chunk.text);

  it('spells the documents joined by the separator, in chunks near the requested size', () => {
    const chunks = chunksOf(100, SEPARATOR);
    expect(chunks.join('')).toBe(joined);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((chunk) => chunk.length <= 400)).toBe(true);
  });

  it('runs documents together when there is no separator', () => {
    expect(chunksOf(100, null).join('')).toBe(documents.join(''));
  });

  it('encodes chunk by chunk to the ids of the whole joined text (bpe and char)', () => {
    const bpe = trainBpe(joined, { vocabSize: 300, specialTokens: [SEPARATOR] });
    const char = trainChar(joined.slice(0, 200), { specialTokens: [SEPARATOR] });
    for (const tokenizer of [bpe, char]) {
      for (const chunkChars of [16, 64, 1000]) {
        expect(chunksOf(chunkChars, SEPARATOR).flatMap((chunk) => tokenizer.encode(chunk))).toEqual(tokenizer.encode(joined));
      }
    }
  });
});
