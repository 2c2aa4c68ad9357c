// The draft file: none at first, the last write read back with the file main recorded, a write replaces it whole (no
// partial file left), a discarded draft is gone and stays gone, and a draft written before main recorded files still
// reads back (with no file).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DraftFile } from './draft-file.ts';

describe('DraftFile', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crucible-draft-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads null before any write, then the last draft written, in a folder it creates', () => {
    const draft = new DraftFile(path.join(folder, 'user-data', 'studio-draft.json'));
    expect(draft.read()).toBeNull();
    draft.write({ text: '{"version":1}', file: '/p/a.crucible.json' });
    draft.write({ text: '{"version":1,"second":true}', file: null });
    expect(draft.read()).toEqual({ text: '{"version":1,"second":true}', file: null });
    draft.write({ text: '{"version":1,"third":true}', file: '/p/b.crucible.json' });
    expect(draft.read()).toEqual({ text: '{"version":1,"third":true}', file: '/p/b.crucible.json' });
    expect(readdirSync(path.join(folder, 'user-data'))).toEqual(['studio-draft.json']);
  });

  it('removes the draft when the user discards it, and ignores the writes that arrive after', () => {
    const draft = new DraftFile(path.join(folder, 'discarded', 'studio-draft.json'));
    draft.write({ text: '{"version":1}', file: null });
    draft.discard();
    expect(draft.read()).toBeNull();
    draft.write({ text: '{"version":1,"flushed as the window unloads":true}', file: null });
    expect(draft.read()).toBeNull();
    expect(new DraftFile(draft.file).read()).toBeNull();
  });

  it('reads a draft kept by an older version (the renderer’s text alone) as that text, with no file', () => {
    const file = path.join(folder, 'older.json');
    const older = JSON.stringify({ version: 1, savedAt: 'x', pipeline: {}, fileName: 'a.crucible.json', filePath: '/p/a.crucible.json', unsaved: true, shownRunId: null });
    writeFileSync(file, older);
    expect(new DraftFile(file).read()).toEqual({ text: older, file: null });
    writeFileSync(file, 'not json');
    expect(new DraftFile(file).read()).toEqual({ text: 'not json', file: null });
  });
});
