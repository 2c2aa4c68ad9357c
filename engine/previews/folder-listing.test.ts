// The folder listing judges the folder it reads: a link into a secret location is refused like the location itself,
// and an entry whose link leads to a secret is left out like a secret-looking name. A huge folder is read only in part.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder, MAX_FOLDER_ENTRIES } from './folder-listing.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-folder-listing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const list = (typed: string) => listFolder({ path: typed, pipelineDir: path.join(root, 'project'), fallbackDir: root });

describe('listFolder', () => {
  mkdirSync(path.join(root, 'home', '.ssh'), { recursive: true });
  writeFileSync(path.join(root, 'home', '.ssh', 'config'), 'Host *');
  writeFileSync(path.join(root, 'home', 'id_ed25519'), 'key');
  mkdirSync(path.join(root, 'project', 'data'), { recursive: true });
  writeFileSync(path.join(root, 'project', 'data', 'a.txt'), 'x');
  symlinkSync(path.join(root, 'home', '.ssh'), path.join(root, 'project', 'keys'));
  symlinkSync(path.join(root, 'home', 'id_ed25519'), path.join(root, 'project', 'notes.txt'));
  symlinkSync(path.join(root, 'project', 'data'), path.join(root, 'project', 'corpus'));

  it('refuses a folder whose symbolic link leads into a secret location, saying where it leads', async () => {
    await expect(list('keys')).rejects.toMatchObject({ reason: 'secret_location', message: expect.stringContaining(`leads to "${path.join(root, 'home', '.ssh')}"`) });
  });

  it('leaves out entries whose links lead to secrets, and lists a linked folder through where it leads', async () => {
    const listing = await list('');
    expect(listing.entries.map((entry) => entry.name).sort()).toEqual(['corpus', 'data']);
    expect(listing.hidden).toBe(2);
    expect((await list('corpus')).entries).toEqual([{ name: 'a.txt', kind: 'file', bytes: 1, format: 'text' }]);
  });
});

describe('listFolder on a large folder', () => {
  const big = path.join(root, 'shards');
  mkdirSync(path.join(big, 'nested'), { recursive: true });
  for (let index = 0; index < 1_200; index++) writeFileSync(path.join(big, `shard-${String(index).padStart(5, '0')}.txt`), '');
  const listBig = (maxEntriesRead?: number) => listFolder({ path: big, pipelineDir: null, fallbackDir: root, maxEntriesRead });

  it('stops reading after the bound, says the listing is truncated, and sorts what it read', async () => {
    const listing = await listBig(100);
    expect(listing.truncated).toBe(true);
    expect(listing.entries).toHaveLength(100);
    const names = listing.entries.map((entry) => entry.name);
    const folders = listing.entries.filter((entry) => entry.kind === 'folder').map((entry) => entry.name);
    expect(names).toEqual([...folders, ...names.slice(folders.length).sort((a, b) => a.localeCompare(b))]);
  });

  it('reads a folder within the bound whole, returning the first MAX_FOLDER_ENTRIES, folders first', async () => {
    const listing = await listBig();
    expect(listing.truncated).toBe(true);
    expect(listing.entries).toHaveLength(MAX_FOLDER_ENTRIES);
    expect(listing.entries[0]).toEqual({ name: 'nested', kind: 'folder' });
    expect(listing.entries[1]?.name).toBe('shard-00000.txt');
  });

  it('says nothing is left out when a folder holds exactly the bound', async () => {
    const listing = await listFolder({ path: path.join(root, 'project', 'data'), pipelineDir: null, fallbackDir: root, maxEntriesRead: 1 });
    expect(listing).toMatchObject({ truncated: false, entries: [{ name: 'a.txt' }] });
  });
});
