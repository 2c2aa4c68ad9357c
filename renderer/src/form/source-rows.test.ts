import { describe, expect, it } from 'vitest';
import { completionsFor, folderPart, formatOfRow, rowsOf, sourcesOf } from './source-rows.ts';

describe('source rows', () => {
  it('round-trips paths (with their options) and pinned URLs, leaving out empty options', () => {
    const stored = [{ path: 'data/', include: ['**/*.md'], allowOutside: true }, { url: 'https://example.com/a.jsonl', sha256: 'a'.repeat(64) }, { path: 'x.txt' }];
    expect(sourcesOf(rowsOf(stored))).toEqual(stored);
    expect(sourcesOf([{ kind: 'path', path: 'y.txt', include: [], exclude: [], allowOutside: false }, { kind: 'url', url: 'https://e.org/b.csv', sha256: '' }])).toEqual([{ path: 'y.txt' }, { url: 'https://e.org/b.csv' }]);
  });

  it('turns a plain string or a broken entry into a path row the user can fix, and a non-list into no rows', () => {
    expect(rowsOf(['notes.txt', 42])).toEqual([{ kind: 'path', path: 'notes.txt' }, { kind: 'path', path: '' }]);
    expect(rowsOf('notes.txt')).toEqual([]);
  });

  it('says what format each row is read as, by the dataset\'s own rule', () => {
    expect(formatOfRow({ kind: 'path', path: 'data/chat.jsonl.gz' }, 'auto')).toBe('jsonl');
    expect(formatOfRow({ kind: 'url', url: 'https://example.com/t.parquet?download=1' }, 'auto')).toBe('parquet');
    expect(formatOfRow({ kind: 'path', path: 'data/*.txt' }, 'auto')).toBe('each file by its extension');
    expect(formatOfRow({ kind: 'path', path: 'corpus' }, 'text', { name: 'corpus', kind: 'folder' })).toBe('each file as text');
    expect(formatOfRow({ kind: 'path', path: 'notes' }, 'auto')).toMatch(/^unknown: the extension is not one of .*\.jsonl.*; set format$/);
    expect(formatOfRow({ kind: 'path', path: 'table.tsv' }, 'csv')).toBe('tsv');
    expect(formatOfRow({ kind: 'path', path: '' }, 'auto')).toBe('');
  });

  it('completes a typed path from its folder\'s entries, folders with a trailing slash', () => {
    expect(folderPart('data/sub/fi')).toBe('data/sub/');
    expect(folderPart('fi')).toBe('');
    const entries = [
      { name: 'Files', kind: 'folder' as const },
      { name: 'first.jsonl', kind: 'file' as const, bytes: 3, format: 'jsonl' },
      { name: 'other.txt', kind: 'file' as const, bytes: 3, format: 'text' },
    ];
    expect(completionsFor('data/fi', entries)).toEqual(['data/Files/', 'data/first.jsonl']);
    expect(completionsFor('', entries)).toEqual(['Files/', 'first.jsonl', 'other.txt']);
  });
});
