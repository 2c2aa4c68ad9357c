// What a dataset records about a source file: the name a model card shows, and the sha256 the fingerprint took,
// reused by the read only while the file is unchanged.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSourceFile, recordedSourcePath, sourceFileDigest } from './source-digests.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-digests-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('recordedSourcePath', () => {
  const project = path.join(root, 'project');

  it('is relative to the pipeline folder, with slashes, for a file inside it', () => {
    expect(recordedSourcePath(path.join(project, 'data', 'a.txt'), project)).toBe('data/a.txt');
    expect(recordedSourcePath(path.join(project, 'a.txt'), project)).toBe('a.txt');
  });

  it('is the file name alone outside it, so no home folder reaches a card', () => {
    expect(recordedSourcePath('/home/ada/corpora/books/b.txt', project)).toBe('b.txt');
    expect(recordedSourcePath(path.join(root, 'project-2', 'c.txt'), project)).toBe('c.txt');
  });

  it('keeps an unsaved pipeline\'s relative path, but never an absolute one or one climbing out', () => {
    expect(recordedSourcePath('data/a.txt', null)).toBe('data/a.txt');
    expect(recordedSourcePath('/home/ada/a.txt', null)).toBe('a.txt');
    expect(recordedSourcePath('../secret/a.txt', null)).toBe('a.txt');
  });
});

describe('source digests', () => {
  it('the read reuses the digest the fingerprint took while the file is unchanged, and hashes again once it changes', async () => {
    const file = path.join(root, 'source.txt');
    writeFileSync(file, 'first');
    const then = new Date(2020, 0, 1);
    utimesSync(file, then, then);
    expect(await hashSourceFile(file)).toBe(sha256('first'));
    // Same size, inode and modification time, other bytes: only a remembered digest still says 'first'.
    writeFileSync(file, 'FIRST');
    utimesSync(file, then, then);
    expect(await sourceFileDigest(file)).toBe(sha256('first'));
    writeFileSync(file, 'other');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(await sourceFileDigest(file)).toBe(sha256('other'));
  });

  it('hashes a file nobody hashed yet, and names a missing one', async () => {
    const file = path.join(root, 'fresh.txt');
    writeFileSync(file, 'fresh');
    expect(await sourceFileDigest(file)).toBe(sha256('fresh'));
    await expect(sourceFileDigest(path.join(root, 'gone.txt'))).rejects.toThrow(/cannot read ".*gone\.txt"/);
  });
});
