// The per-pipeline, per-node history of key parts: newest first, bounded, atomic and tolerant of broken files.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CacheHistory } from './cache-history.ts';
import type { CacheKeyParts } from './cache-key.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-history-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const parts = (n: number): CacheKeyParts => ({ type: 'source', typeVersion: 1, config: { n }, inputKeys: {} });

it('returns the latest entry per pipeline and node, newest first, keeping only a few', async () => {
  const history = new CacheHistory(dataDir);
  expect(await history.latest('/p/a.crucible.json', 'src')).toBeUndefined();
  for (let n = 0; n < 8; n++) await history.record('/p/a.crucible.json', 'src', `k${n}`, parts(n));
  await history.record('/p/b.crucible.json', 'src', 'other', parts(99));

  expect((await history.latest('/p/a.crucible.json', 'src'))?.parts.config).toEqual({ n: 7 });
  expect((await history.entries('/p/a.crucible.json', 'src')).map((e) => e.key)).toEqual(['k7', 'k6', 'k5', 'k4', 'k3']);
  expect((await history.latest('/p/b.crucible.json', 'src'))?.key).toBe('other');
});

it('moves a re-recorded key to the front instead of duplicating it', async () => {
  const history = new CacheHistory(dataDir);
  await history.record('p', 'n', 'a', parts(1));
  await history.record('p', 'n', 'b', parts(2));
  await history.record('p', 'n', 'a', parts(1));
  expect((await history.entries('p', 'n')).map((e) => e.key)).toEqual(['a', 'b']);
});

it('treats an unreadable file as no history and leaves no temp files behind', async () => {
  const history = new CacheHistory(dataDir);
  await history.record('p', 'n', 'a', parts(1));
  const [folder] = await readdir(history.root);
  const files = await readdir(path.join(history.root, folder!));
  expect(files).toEqual(['n.json']);
  await writeFile(path.join(history.root, folder!, 'n.json'), '{"half":');
  expect(await history.latest('p', 'n')).toBeUndefined();
});
