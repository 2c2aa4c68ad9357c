// The recent-files list: newest first, no duplicates, bounded, kept across launches, tolerant of a damaged store.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecentFiles } from './recent-files.ts';

let folder: string;
let store: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'crucible-recent-'));
  store = path.join(folder, 'recent.json');
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('RecentFiles', () => {
  it('keeps the newest first without duplicates, up to its limit, and tells about each change', () => {
    const onChange = vi.fn();
    const recent = new RecentFiles(store, 3, onChange);
    for (const name of ['a', 'b', 'c', 'a', 'd']) recent.add(`/p/${name}.crucible.json`);
    expect(recent.list()).toEqual(['/p/d.crucible.json', '/p/a.crucible.json', '/p/c.crucible.json']);
    expect(onChange).toHaveBeenLastCalledWith(recent.list());
    recent.remove('/p/a.crucible.json');
    expect(recent.has('/p/a.crucible.json')).toBe(false);
    expect(recent.has('/p/d.crucible.json')).toBe(true);
  });

  it('survives a restart of the app', () => {
    new RecentFiles(store).add('/p/a.crucible.json');
    expect(new RecentFiles(store).list()).toEqual(['/p/a.crucible.json']);
    new RecentFiles(store).clear();
    expect(new RecentFiles(store).list()).toEqual([]);
  });

  it('starts empty from a damaged store and ignores relative paths in it', () => {
    writeFileSync(store, '{ not json');
    expect(new RecentFiles(store).list()).toEqual([]);
    writeFileSync(store, JSON.stringify({ files: ['relative.crucible.json', '/abs.crucible.json'] }));
    expect(new RecentFiles(store).list()).toEqual(['/abs.crucible.json']);
  });
});
