import { afterAll, describe, expect, it } from 'vitest';
import { IngestHarness } from './testing/ingest-harness.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

describe('source errors', () => {
  it('a missing path names it', async () => {
    await expect(harness.ingest({ sources: [{ path: `${harness.root}/nowhere/data.txt` }] })).rejects.toThrow(/nowhere\/data\.txt" does not exist/);
  });

  it('a glob that matches nothing names the pattern', async () => {
    harness.file('globbed/a.txt', 'x');
    await expect(harness.ingest({ sources: [{ path: `${harness.root}/in/globbed/*.jsonl` }] })).rejects.toThrow(/the glob ".*globbed\/\*\.jsonl" matches no files/);
  });

  it('a glob that matches reads every file', async () => {
    harness.file('globbed/b.txt', 'y');
    const corpus = await harness.ingest({ sources: [{ path: `${harness.root}/in/globbed/*.txt` }], valFraction: 0 });
    expect(corpus.train).toEqual(['x', 'y']);
  });

  it('a file named explicitly must have a known format; inside a folder unknown files are skipped with a log line', async () => {
    const image = harness.file('mixed/picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    harness.file('mixed/notes.md', 'notes');
    await expect(harness.ingest({ sources: [{ path: image }] })).rejects.toThrow(/cannot tell the format of ".*picture\.png" from its extension "\.png"/);
    const corpus = await harness.ingest({ sources: [{ path: `${harness.root}/in/mixed` }], valFraction: 0 });
    expect(corpus.train).toEqual(['notes']);
    expect(corpus.logs.join('\n')).toMatch(/skipped 1 file\(s\) of unknown format/);
  });

  it('a folder with only unknown formats fails', async () => {
    harness.file('binaries/a.bin', 'x');
    await expect(harness.ingest({ sources: [{ path: `${harness.root}/in/binaries` }] })).rejects.toThrow(/has no files of a known format/);
  });
});
