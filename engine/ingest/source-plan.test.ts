// Path sources as the dataset reads them: errors that name the source, formats by extension, secret-looking files,
// and the name and sha256 the corpus records for each file read.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
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

describe('secret-looking files (secret-paths.ts)', () => {
  it('are never read from a folder or glob, even through a link, and the rest of it is', async () => {
    harness.file('project/notes.md', 'notes');
    harness.file('project/.env', 'API_KEY=123');
    harness.file('project/keys/id_ed25519', 'PRIVATE KEY');
    symlinkSync('/proc/self/environ', path.join(harness.root, 'in', 'project', 'environment.txt'));
    const corpus = await harness.ingest({ sources: [{ path: `${harness.root}/in/project`, include: ['**/*', '**/.env'] }], format: 'text', valFraction: 0 });
    expect(corpus.train).toEqual(['notes']);
    const globbed = await harness.ingest({ sources: [{ path: `${harness.root}/in/project/*` }], format: 'text', valFraction: 0 });
    expect(globbed.train).toEqual(['notes']);
  });

  it('a source naming a secret location fails before reading, unless it sets allowOutside', async () => {
    const key = harness.file('home/.ssh/id_rsa', 'PRIVATE KEY');
    await expect(harness.ingest({ sources: [{ path: key }], format: 'text' })).rejects.toThrow(/id_rsa" is in \.ssh \(SSH keys\).*set allowOutside: true/);
    await expect(harness.ingest({ sources: [{ path: '/proc/self/environ' }], format: 'text' })).rejects.toThrow(/is in \/proc/);
    const allowed = await harness.ingest({ sources: [{ path: key, allowOutside: true }], format: 'text', valFraction: 0 });
    expect(allowed.train).toEqual(['PRIVATE KEY']);
  });

  it('a folder holding only secret-looking files fails and says why', async () => {
    harness.file('only-keys/server.key', 'k');
    await expect(harness.ingest({ sources: [{ path: `${harness.root}/in/only-keys` }], format: 'text' })).rejects.toThrow(/holds only files that look like secrets \(e\.g\. ".*server\.key", a private key/);
  });
});

describe('the sources a corpus records (stats.json, its meta)', () => {
  const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('lists every file read in reading order: relative to the pipeline folder inside it, by name alone outside it, hashed as stored', async () => {
    const gzipped = gzipSync('second');
    harness.file('recorded/a.txt', 'first');
    harness.file('recorded/b.txt.gz', gzipped);
    harness.file('recorded/skipped.png', 'not text');
    const outsideDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-outside-'));
    try {
      const outside = path.join(outsideDir, 'elsewhere.md');
      writeFileSync(outside, 'third');
      const corpus = await harness.ingest({ sources: [{ path: `${harness.inputDir}/recorded` }, { path: outside }], valFraction: 0 });
      expect(corpus.train).toEqual(['first', 'second', 'third']);
      expect(corpus.stats.sources).toEqual([
        { path: 'recorded/a.txt', sha256: sha256('first') },
        { path: 'recorded/b.txt.gz', sha256: sha256(gzipped) },
        { path: 'elsewhere.md', sha256: sha256('third') },
      ]);
      expect(JSON.stringify(corpus.stats)).not.toContain(outsideDir);
    } finally {
      rmSync(outsideDir, { recursive: true, force: true });
    }
  });
});
