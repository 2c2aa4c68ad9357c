import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCorpusStats } from './corpus-reader.ts';
import { IngestHarness } from './testing/ingest-harness.ts';
import { createRandom } from '../ml/tensor/random.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

const SHAKESPEARE = path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt');

/** `count` distinct JSONL records whose texts are "doc <i> ..." */
function jsonlOf(name: string, texts: string[]): string {
  return harness.file(name, texts.map((text) => JSON.stringify({ text })).join('\n'));
}

const distinctTexts = (count: number) => Array.from({ length: count }, (_, index) => `document number ${index} with some words ${index * 7919}`);

describe('train/val split', () => {
  it('cuts a single document by characters, the last valFraction to val, as nanoGPT does for tiny Shakespeare', async () => {
    const corpus = await harness.ingest({ sources: [{ path: SHAKESPEARE }], documentSplit: 'none', valFraction: 0.1 });
    const text = readFileSync(SHAKESPEARE, 'utf8');
    const trainCharacters = Math.floor([...text].length * 0.9);
    expect(corpus.stats.splitBy).toBe('characters');
    expect(corpus.stats.train).toEqual({ documents: 1, characters: trainCharacters, bytes: Buffer.byteLength(text.slice(0, trainCharacters)) });
    expect(corpus.train[0]! + corpus.val[0]!).toBe(text);
    expect(corpus.val[0]).toBe(text.slice(trainCharacters));
  });

  it('cuts a single document between code points, never inside a multi-byte character', async () => {
    const text = 'é😀中'.repeat(10);
    const file = harness.file('unicode.txt', text);
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0.25 });
    const codePoints = [...text];
    const cut = Math.floor(codePoints.length * 0.75);
    expect(corpus.train).toEqual([codePoints.slice(0, cut).join('')]);
    expect(corpus.val).toEqual([codePoints.slice(cut).join('')]);
    expect(corpus.stats.val.characters).toBe(codePoints.length - cut);
  });

  it('splits several documents by document: exactly round(n·valFraction) to val, chosen by the seed', async () => {
    const texts = distinctTexts(50);
    const file = jsonlOf('fifty.jsonl', texts);
    const first = await harness.ingest({ sources: [{ path: file }], valFraction: 0.2, seed: 7 });
    const again = await harness.ingest({ sources: [{ path: file }], valFraction: 0.2, seed: 7 });
    const otherSeed = await harness.ingest({ sources: [{ path: file }], valFraction: 0.2, seed: 8 });
    expect(first.stats.splitBy).toBe('documents');
    expect(first.val).toHaveLength(10);
    expect([...first.train, ...first.val].sort()).toEqual([...texts].sort());
    expect(again.val).toEqual(first.val);
    expect(otherSeed.val).not.toEqual(first.val);
    // Each split keeps the documents' original order.
    expect(first.train).toEqual(texts.filter((text) => first.train.includes(text)));
  });

  it('keeps at least one document on each side when there are two or more', async () => {
    const file = jsonlOf('three.jsonl', distinctTexts(3));
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0.01 });
    expect([corpus.train.length, corpus.val.length]).toEqual([2, 1]);
  });

  it('records document boundaries, so documents are read back exactly', async () => {
    const texts = ['no trailing newline', 'two\nlines\n', 'x'];
    const file = jsonlOf('bounds.jsonl', texts);
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0 });
    expect(corpus.train).toEqual(texts);
    expect(readFileSync(path.join(corpus.corpusDir, 'train.txt'), 'utf8')).toBe(texts.join(''));
    expect(corpus.stats.train).toEqual({ documents: 3, characters: texts.join('').length, bytes: texts.join('').length });
    expect(await readCorpusStats(corpus.corpusDir)).toEqual(corpus.stats);
  });
});

describe('documentSplit for text files', () => {
  const text = '\uFEFFFirst paragraph\r\nstill first.\r\n\r\n  \t \r\nSecond one.\n\n\n  indented third\n';

  it('blank-lines: paragraphs separated by whitespace-only lines, BOM and CRLF cleaned', async () => {
    const file = harness.file('paragraphs.txt', text);
    const corpus = await harness.ingest({ sources: [{ path: file }], documentSplit: 'blank-lines', valFraction: 0 });
    expect(corpus.train).toEqual(['First paragraph\nstill first.', 'Second one.', '  indented third']);
  });

  it('file: one document per file; none: every text file joined into one document', async () => {
    const first = harness.file('join/1.txt', 'one');
    const second = harness.file('join/2.txt', 'two\n');
    const third = harness.file('join/3.txt', 'three');
    const sources = [{ path: first }, { path: second }, { path: third }];
    const perFile = await harness.ingest({ sources, documentSplit: 'file', valFraction: 0 });
    expect(perFile.train).toEqual(['one', 'two\n', 'three']);
    const joined = await harness.ingest({ sources, documentSplit: 'none', valFraction: 0 });
    expect(joined.train).toEqual(['one\ntwo\nthree']);
  });
});

describe('cleaning and filters', () => {
  it('applies NFC unless normalize is none', async () => {
    const decomposed = 'cafe\u0301 re\u0301sume\u0301';
    const file = jsonlOf('nfc.jsonl', [decomposed]);
    expect((await harness.ingest({ sources: [{ path: file }], valFraction: 0 })).train).toEqual([decomposed.normalize('NFC')]);
    expect((await harness.ingest({ sources: [{ path: file }], valFraction: 0, normalize: 'none' })).train).toEqual([decomposed]);
  });

  it('drops documents outside minChars..maxChars (counted in code points) and empty ones, and counts them', async () => {
    const file = jsonlOf('lengths.jsonl', ['', 'abc', '😀😀😀😀', 'abcdefgh', 'abcdefghijklmnop']);
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0, minChars: 4, maxChars: 8 });
    expect(corpus.train).toEqual(['😀😀😀😀', 'abcdefgh']);
    expect(corpus.stats.filtered).toEqual({ empty: 1, tooShort: 1, tooLong: 1 });
    expect(corpus.stats.documentsFiltered).toBe(3);
    expect(corpus.stats.documentsRead).toBe(5);
  });

  it('fails clearly when the filters leave nothing', async () => {
    const file = jsonlOf('tooshort.jsonl', ['a', 'bb']);
    await expect(harness.ingest({ sources: [{ path: file }], minChars: 10 })).rejects.toThrow(/filters left an empty corpus: of 2 documents, 2 shorter than minChars \(10\)/);
    const empty = harness.file('empty.txt', '');
    await expect(harness.ingest({ sources: [{ path: empty }] })).rejects.toThrow(/sources hold no text/);
  });
});

describe('dedup', () => {
  // Twenty unrelated documents of 60 pseudo-random words each.
  const random = createRandom(11).uniform;
  const word = () => Array.from({ length: 3 + Math.floor(random() * 5) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
  const base = Array.from({ length: 20 }, () => Array.from({ length: 60 }, word).join(' '));

  it('exact removes identical documents after cleaning and keeps the first', async () => {
    const file = jsonlOf('exact.jsonl', [base[0]!, base[1]!, base[0]!, base[0]!.normalize('NFD'), `${base[1]!} `]);
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0, dedupe: 'exact' });
    expect(corpus.train).toEqual([base[0], base[1], `${base[1]!} `]);
    expect(corpus.stats.duplicates).toEqual({ exact: 2, near: 0 });
    const none = await harness.ingest({ sources: [{ path: file }], valFraction: 0, dedupe: 'none' });
    expect(none.train).toHaveLength(5);
  });

  it('near removes documents that differ by a word or two, but keeps distinct ones', async () => {
    const variants = base.slice(0, 5).map((text) => {
      const words = text.split(' ');
      words[10] = 'changed';
      words[40] = 'edited';
      return words.join(' ');
    });
    const file = jsonlOf('near.jsonl', [...base, ...variants]);
    const near = await harness.ingest({ sources: [{ path: file }], valFraction: 0, dedupe: 'near', nearThreshold: 0.8 });
    expect(near.train).toEqual(base);
    expect(near.stats.duplicates).toEqual({ exact: 0, near: 5 });
    const exact = await harness.ingest({ sources: [{ path: file }], valFraction: 0, dedupe: 'exact' });
    expect(exact.train).toHaveLength(25);
  });
});

describe('progress and cancel', () => {
  it('reports bytes read, counts and an ETA, and the stats match', async () => {
    const corpus = await harness.ingest({ sources: [{ path: SHAKESPEARE }], documentSplit: 'blank-lines' });
    const last = corpus.progress.at(-1)!;
    expect(last.metrics?.bytesRead).toBe(readFileSync(SHAKESPEARE).length);
    expect(corpus.progress.some((update) => update.message?.includes('MB of'))).toBe(true);
    expect(corpus.progress.some((update) => typeof update.etaMs === 'number' && update.etaMs >= 0)).toBe(true);
    expect(corpus.progress.every((update) => (update.fraction ?? 0) >= 0 && (update.fraction ?? 0) <= 1)).toBe(true);
    expect(corpus.stats.bytesRead).toBe(readFileSync(SHAKESPEARE).length);
    expect(corpus.stats.train.documents + corpus.stats.val.documents + corpus.stats.duplicatesRemoved).toBe(corpus.stats.documentsRead);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(harness.ingest({ sources: [{ path: SHAKESPEARE }] }, controller.signal)).rejects.toThrow(/abort/i);
  });
});
