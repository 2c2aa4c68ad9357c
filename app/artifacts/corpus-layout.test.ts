import { describe, expect, it } from 'vitest';
import { corpusIndexFile, corpusMeta, corpusSourcesOf, corpusTextFile, decodeDocumentBoundaries, encodeDocumentBoundaries, type CorpusStats } from './corpus-layout.ts';

describe('the Corpus layout', () => {
  it('names each split\'s files', () => {
    expect([corpusTextFile('train'), corpusIndexFile('train'), corpusTextFile('val'), corpusIndexFile('val')]).toEqual(['train.txt', 'train.idx', 'val.txt', 'val.idx']);
  });

  it('writes document boundaries as little-endian uint64s and reads them back, exact beyond 32 bits', () => {
    const boundaries = Array.from({ length: 3000 }, (_, index) => index * 3_000_000_001);
    const bytes = encodeDocumentBoundaries(boundaries);
    const words = new DataView(bytes.buffer);
    expect(bytes.length).toBe(3000 * 8);
    expect(Array.from({ length: 3000 }, (_, index) => Number(words.getBigUint64(index * 8, true)))).toEqual(boundaries);
    expect(decodeDocumentBoundaries(bytes, 'train.idx')).toEqual(boundaries);
  });

  it('refuses an index whose size is not a positive multiple of 8 bytes, naming the file', () => {
    expect(() => decodeDocumentBoundaries(new Uint8Array(0), '/c/train.idx')).toThrow('"/c/train.idx" is not a document index (its size must be a positive multiple of 8 bytes)');
    expect(() => decodeDocumentBoundaries(new Uint8Array(12), '/c/val.idx')).toThrow(/"\/c\/val\.idx" is not a document index/);
  });

  it('the meta is the stats under the format', () => {
    const split = { documents: 1, characters: 2, bytes: 2 };
    const stats: CorpusStats = { version: 1, train: split, val: split, splitBy: 'documents', files: 1, bytesRead: 4, documentsRead: 2, duplicatesRemoved: 0, duplicates: { exact: 0, near: 0 }, documentsFiltered: 0, filtered: { empty: 0, tooShort: 0, tooLong: 0 }, sources: [{ path: 'a.txt', sha256: 'a'.repeat(64) }] };
    expect(corpusMeta(stats)).toEqual({ format: 'crucible.corpus.v1', ...stats });
  });

  it('reads the recorded sources back from a meta, leaving out what is not a source and what older corpora lack', () => {
    const sha256 = 'c'.repeat(64);
    const meta = { sources: [{ path: 'data/a.txt', sha256 }, { url: 'https://example.com/b.txt', sha256 }, { path: 'c.txt' }, { path: 'd.txt', sha256: 'sha256:feed' }, 'e.txt', null] };
    expect(corpusSourcesOf(meta)).toEqual([{ path: 'data/a.txt', sha256 }, { url: 'https://example.com/b.txt', sha256 }]);
    expect(corpusSourcesOf({ format: 'crucible.corpus.v1' })).toEqual([]);
  });
});
