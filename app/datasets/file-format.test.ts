import { describe, expect, it } from 'vitest';
import { detectFormat, formatExtension, isGzippedName, nameWithoutQuery } from './file-format.ts';

describe('file names and formats', () => {
  it('reads a URL by its path, without the query and fragment', () => {
    const url = 'https://huggingface.co/datasets/org/set/resolve/main/train.jsonl.gz?download=true';
    expect(nameWithoutQuery(url)).toBe('https://huggingface.co/datasets/org/set/resolve/main/train.jsonl.gz');
    expect(isGzippedName(url)).toBe(true);
    expect(isGzippedName('https://example.com/data.parquet.GZ#part')).toBe(true);
    expect(isGzippedName('https://example.com/data.parquet?name=x.gz')).toBe(false);
    expect(detectFormat(url, 'auto')).toBe('jsonl');
  });

  it('keeps "#" and "?" in a local path, where they are ordinary characters', () => {
    expect(nameWithoutQuery('/data/notes#1.txt')).toBe('/data/notes#1.txt');
    expect(formatExtension('/data/issue#12.jsonl.gz')).toBe('.jsonl');
    expect(isGzippedName('/data/what?.txt.gz')).toBe(true);
    expect(isGzippedName('/data/a.gz#b.txt')).toBe(false);
  });
});
