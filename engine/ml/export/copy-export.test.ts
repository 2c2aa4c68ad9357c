import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyExport, EXPORT_MANIFEST_FILE, exportTargetAction } from './copy-export.ts';

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

  it('replaces an earlier export: its stale files go, what the user added beside it stays', () => {
    const target = path.join(root, 'repo');
    const earlier = exportFolder('earlier');
    writeFileSync(path.join(earlier, 'crucible', 'bard', 'bard-Q4_0.gguf'), 'old');
    mkdirSync(path.join(earlier, 'stale', 'deep'), { recursive: true });
    writeFileSync(path.join(earlier, 'stale', 'deep', 'old.bin'), 'old');
    expect(copyExport(earlier, target, { overwrite: false })).toBe('filled');
    // The user makes it a repository checkout after the first export.
    mkdirSync(path.join(target, '.git'));
    writeFileSync(path.join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(target, 'LICENSE'), 'mine');
    writeFileSync(path.join(target, 'crucible', 'notes.txt'), 'mine');
    expect(copyExport(source, target, { overwrite: false })).toBe('replaced');
    expect(readdirSync(path.join(target, 'crucible', 'bard'))).toEqual(['bard-Q8_0.gguf']);
    expect(existsSync(path.join(target, 'stale'))).toBe(false); // its folders went with its files
    expect(readFileSync(path.join(target, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(readFileSync(path.join(target, 'LICENSE'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(target, 'crucible', 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(readFileSync(path.join(target, EXPORT_MANIFEST_FILE), 'utf8'))).toEqual({ files: ['README.md', 'crucible/bard/bard-Q8_0.gguf'] });
    expect(readdirSync(target).filter((name) => name.startsWith('.crucible-export-incoming'))).toEqual([]);
  });

  it('keeps the other models of a shared models folder across re-runs', () => {
    const models = path.join(root, 'lmstudio-models');
    mkdirSync(path.join(models, 'lmstudio-community', 'qwen'), { recursive: true });
    writeFileSync(path.join(models, 'lmstudio-community', 'qwen', 'qwen.gguf'), 'theirs');
    expect(copyExport(source, models, { overwrite: true })).toBe('overwritten');
    expect(copyExport(source, models, { overwrite: false })).toBe('replaced');
    expect(readFileSync(path.join(models, 'lmstudio-community', 'qwen', 'qwen.gguf'), 'utf8')).toBe('theirs');
    expect(readFileSync(path.join(models, 'crucible', 'bard', 'bard-Q8_0.gguf'), 'utf8')).toBe('gguf');
  });

  it('writes over an export made before manifests (a Crucible card, no manifest) and keeps its other files', () => {
    const legacy = exportFolder('legacy');
    writeFileSync(path.join(legacy, 'LICENSE'), 'mine');
    expect(exportTargetAction(legacy, { overwrite: false })).toBe('overwritten');
    expect(copyExport(source, legacy, { overwrite: false })).toBe('overwritten');
    expect(readFileSync(path.join(legacy, 'LICENSE'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(legacy, EXPORT_MANIFEST_FILE))).toBe(true);
  });

  it('refuses, before moving anything, a folder in the way of a file it writes; the earlier export stays whole', () => {
    const target = path.join(root, 'blocked');
    expect(copyExport(source, target, { overwrite: false })).toBe('filled');
    const other = path.join(root, 'other-export');
    mkdirSync(path.join(other, 'crucible', 'bard'), { recursive: true });
    writeFileSync(path.join(other, 'README.md'), CARD);
    writeFileSync(path.join(other, 'crucible', 'bard', 'weights'), 'new');
    mkdirSync(path.join(target, 'crucible', 'bard', 'weights'));
    expect(() => copyExport(other, target, { overwrite: false })).toThrow(/is a folder, where the export writes a file/);
    expect(readFileSync(path.join(target, 'crucible', 'bard', 'bard-Q8_0.gguf'), 'utf8')).toBe('gguf');
    expect(readdirSync(target).filter((name) => name.startsWith('.crucible-export-incoming'))).toEqual([]);
  });

  it('never removes a path a manifest names outside the folder', () => {
    const target = path.join(root, 'tampered');
    expect(copyExport(source, target, { overwrite: false })).toBe('filled');
    const outside = path.join(root, 'precious.txt');
    writeFileSync(outside, 'keep');
    // Named outright, or through a folder inside the target that links out of it.
    mkdirSync(path.join(root, 'elsewhere'));
    writeFileSync(path.join(root, 'elsewhere', 'precious.txt'), 'keep');
    symlinkSync(path.join(root, 'elsewhere'), path.join(target, 'link'));
    writeFileSync(path.join(target, EXPORT_MANIFEST_FILE), JSON.stringify({ files: ['../precious.txt', outside, 'link/precious.txt', 'README.md'] }));
    expect(copyExport(source, target, { overwrite: false })).toBe('replaced');
    expect(readFileSync(outside, 'utf8')).toBe('keep');
    expect(readFileSync(path.join(root, 'elsewhere', 'precious.txt'), 'utf8')).toBe('keep');
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
