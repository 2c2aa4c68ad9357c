// The draft file: none at first, the last write read back, a write replaces it whole (no partial file left).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DraftFile } from './draft-file.ts';

describe('DraftFile', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crucible-draft-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads null before any write, then the last text written, in a folder it creates', () => {
    const draft = new DraftFile(path.join(folder, 'user-data', 'studio-draft.json'));
    expect(draft.read()).toBeNull();
    draft.write('{"version":1}');
    draft.write('{"version":1,"second":true}');
    expect(draft.read()).toBe('{"version":1,"second":true}');
    expect(readdirSync(path.join(folder, 'user-data'))).toEqual(['studio-draft.json']);
  });
});
