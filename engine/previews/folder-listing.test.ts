// The folder listing judges the folder it reads: a link into a secret location is refused like the location itself,
// and an entry whose link leads to a secret is left out like a secret-looking name.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder } from './folder-listing.ts';

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
