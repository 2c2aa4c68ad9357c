import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyExport, exportTargetAction } from './copy-export.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-copy-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CARD = '---\nlicense: other\nlibrary_name: gguf\npipeline_tag: text-generation\ntags:\n- crucible\n- gpt2\n---\n\n# bard\n';

function exportFolder(name: string): string {
  const folder = path.join(root, name);
  mkdirSync(path.join(folder, 'crucible', 'bard'), { recursive: true });
  writeFileSync(path.join(folder, 'README.md'), CARD);
  writeFileSync(path.join(folder, 'crucible', 'bard', 'bard-Q8_0.gguf'), 'gguf');
  return folder;
}

describe('copyExport', () => {
  const source = exportFolder('export');

  it('fills a missing or empty folder', () => {
    const missing = path.join(root, 'out', 'new');
    expect(copyExport(source, missing, { overwrite: false })).toBe('filled');
    expect(readFileSync(path.join(missing, 'crucible/bard/bard-Q8_0.gguf'), 'utf8')).toBe('gguf');
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    expect(copyExport(source, empty, { overwrite: false })).toBe('filled');
  });

  it('replaces an earlier export whole, so its stale files go', () => {
    const earlier = exportFolder('earlier');
    writeFileSync(path.join(earlier, 'crucible', 'bard', 'bard-Q4_0.gguf'), 'old');
    expect(copyExport(source, earlier, { overwrite: false })).toBe('replaced');
    expect(readdirSync(path.join(earlier, 'crucible', 'bard'))).toEqual(['bard-Q8_0.gguf']);
  });

  it('leaves a foreign folder alone unless told to overwrite, and then keeps its other files', () => {
    const foreign = path.join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    expect(() => copyExport(source, foreign, { overwrite: false })).toThrow(/is not empty and holds no earlier Crucible export .*set overwrite/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    expect(copyExport(source, foreign, { overwrite: true })).toBe('overwritten');
    expect(readFileSync(path.join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(foreign, 'README.md'))).toBe(true);
  });

  it('refuses relative paths, files and folders overlapping the export', () => {
    expect(() => exportTargetAction('relative/out', { overwrite: false })).toThrow(/relative path and there is no pipeline file/);
    writeFileSync(path.join(root, 'a-file'), 'x');
    expect(() => exportTargetAction(path.join(root, 'a-file'), { overwrite: true })).toThrow(/is a file, not a folder/);
    expect(() => copyExport(source, path.join(source, 'inside'), { overwrite: true })).toThrow(/overlaps the export folder/);
    expect(() => copyExport(source, root, { overwrite: true })).toThrow(/overlaps the export folder/);
  });
});
