// Which files a path source names: include and exclude apply to globs as to folders, relative to the glob's base
// folder, whatever the engine's working folder is.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSourceFiles, type PathSource } from './sources.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');
for (const file of ['final/a.txt', 'final/deep/c.txt', 'drafts/b.txt', 'final/notes.md']) {
  mkdirSync(path.dirname(path.join(data, file)), { recursive: true });
  writeFileSync(path.join(data, file), 'text');
}

/** The files listed, relative to the data folder, with the process working in `cwd`. */
async function listedFrom(cwd: string, source: PathSource): Promise<string[]> {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return (await listSourceFiles(source)).files.map((file) => path.relative(data, file).split(path.sep).join('/'));
  } finally {
    process.chdir(before);
  }
}

describe('include and exclude on a glob source', () => {
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'crucible-sources-cwd-'));
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));
  const cwds = [elsewhere, root, data];

  it('exclude leaves out what it matches below the base folder, from any working folder', async () => {
    for (const cwd of cwds) {
      expect(await listedFrom(cwd, { path: `${data}/**/*.txt`, exclude: ['drafts/**'] })).toEqual(['final/a.txt', 'final/deep/c.txt']);
      expect(await listedFrom(cwd, { path: `${data}/**/*.txt`, exclude: ['**/deep/**'] })).toEqual(['drafts/b.txt', 'final/a.txt']);
    }
  });

  it('include keeps only what it matches, as it does for a folder source', async () => {
    for (const cwd of cwds) {
      expect(await listedFrom(cwd, { path: `${data}/**/*.txt`, include: ['final/**'] })).toEqual(['final/a.txt', 'final/deep/c.txt']);
      expect(await listedFrom(cwd, { path: `${data}/*/*`, include: ['**/*.md', 'drafts/*'], exclude: ['**/notes.md'] })).toEqual(['drafts/b.txt']);
      expect(await listedFrom(cwd, { path: data, include: ['final/**'] })).toEqual(['final/a.txt', 'final/deep/c.txt', 'final/notes.md']);
    }
  });

  it('a glob whose files include leaves out entirely fails and says where include starts', async () => {
    await expect(listSourceFiles({ path: `${data}/**/*.txt`, include: ['*.txt'] })).rejects.toThrow(
      `the glob "${data}/**/*.txt" matches 3 file(s), but none of them matches include "*.txt"; include and exclude globs are relative to "${data}"`,
    );
  });
});
