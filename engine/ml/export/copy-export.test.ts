import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyExport, EXPORT_MANIFEST_FILE, exportTargetAction, type ExportMoves } from './copy-export.ts';

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

/** Every entry under `folder` with its content (files) or kind, to compare a folder before and after. */
function snapshot(folder: string): Record<string, string> {
  if (!existsSync(folder)) return {};
  const entries: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(folder, relative))) {
      const entry = relative === '' ? name : `${relative}/${name}`;
      const stat = lstatSync(path.join(folder, entry));
      entries[entry] = stat.isDirectory() ? '<folder>' : readFileSync(path.join(folder, entry), 'utf8');
      if (stat.isDirectory()) walk(entry);
    }
  };
  walk('');
  return entries;
}

/** Renames that fail at call `failAt` (1-based) and at every call `alsoFail` accepts, like a full disk or an immutable file. */
function failingMoves(failAt: number, alsoFail: (from: string) => boolean = () => false): ExportMoves & { calls: number } {
  const moves = {
    calls: 0,
    rename(from: string, to: string) {
      moves.calls += 1;
      if (moves.calls === failAt || alsoFail(from)) throw Object.assign(new Error(`EPERM: operation not permitted, rename '${from}' -> '${to}'`), { code: 'EPERM' });
      renameSync(from, to);
    },
  };
  return moves;
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
    expect(readdirSync(target).filter((name) => name.startsWith('.crucible-export-'))).toEqual([]);
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
    expect(readdirSync(target).filter((name) => name.startsWith('.crucible-export-'))).toEqual([]);
  });

  describe('a failure while the files move leaves the earlier export exactly as it was', () => {
    // The earlier export: a file the new one replaces, stale files (one in folders of its own), the user's files.
    const earlier = exportFolder('swap-earlier');
    writeFileSync(path.join(earlier, 'crucible', 'bard', 'bard-Q8_0.gguf'), 'old q8');
    writeFileSync(path.join(earlier, 'crucible', 'bard', 'bard-Q4_0.gguf'), 'old q4');
    mkdirSync(path.join(earlier, 'stale', 'deep'), { recursive: true });
    writeFileSync(path.join(earlier, 'stale', 'deep', 'old.bin'), 'old');
    // The new one: replaces the README and Q8, adds a Modelfile and a file in a folder of its own.
    const next = exportFolder('swap-next');
    writeFileSync(path.join(next, 'README.md'), `${CARD}\nnew card\n`);
    writeFileSync(path.join(next, 'crucible', 'bard', 'Modelfile'), 'FROM ./bard-Q8_0.gguf');
    mkdirSync(path.join(next, 'onnx'));
    writeFileSync(path.join(next, 'onnx', 'model.onnx'), 'onnx');

    const earlierTarget = (name: string): string => {
      const target = path.join(root, 'swaps', name);
      copyExport(earlier, target, { overwrite: false });
      writeFileSync(path.join(target, 'LICENSE'), 'mine');
      writeFileSync(path.join(target, 'crucible', 'notes.txt'), 'mine');
      return target;
    };

    it('undoes every step, whichever rename fails', () => {
      const counting = failingMoves(0);
      const complete = earlierTarget('complete');
      expect(copyExport(next, complete, { overwrite: false }, counting)).toBe('replaced');
      // 4 files move aside (README, Q8, and the stale Q4 and old.bin), 4 move in.
      expect(counting.calls).toBe(8);
      expect(snapshot(complete)).toMatchObject({ 'README.md': `${CARD}\nnew card\n`, 'crucible/bard/bard-Q8_0.gguf': 'gguf', 'onnx/model.onnx': 'onnx', LICENSE: 'mine' });
      for (let failAt = 1; failAt <= counting.calls; failAt++) {
        const target = earlierTarget(`fail-at-${failAt}`);
        const before = snapshot(target);
        expect(() => copyExport(next, target, { overwrite: false }, failingMoves(failAt)), `rename ${failAt}`).toThrow(
          new RegExp(`^could not move the export into .*fail-at-${failAt} \\(EPERM: .*\\); the earlier export there is as it was$`),
        );
        expect(snapshot(target), `rename ${failAt}`).toEqual(before);
      }
    });

    it('undoes the moves when the manifest cannot be written', () => {
      // An export from before manifests (its card, no manifest), where a folder has taken the manifest's name.
      const target = path.join(root, 'swaps', 'manifest-blocked');
      mkdirSync(path.join(target, EXPORT_MANIFEST_FILE), { recursive: true });
      writeFileSync(path.join(target, EXPORT_MANIFEST_FILE, 'keep'), 'mine');
      writeFileSync(path.join(target, 'README.md'), CARD);
      writeFileSync(path.join(target, 'LICENSE'), 'mine');
      const before = snapshot(target);
      expect(() => copyExport(next, target, { overwrite: false })).toThrow(/^could not move the export into .*manifest-blocked \(.*\.crucible-export\.json.*\); the earlier export there is as it was$/);
      expect(snapshot(target)).toEqual(before);
    });

    it('leaves no folder behind where there was none', () => {
      const target = path.join(root, 'swaps', 'new-parent', 'target');
      expect(() => copyExport(next, target, { overwrite: false }, failingMoves(3))).toThrow(/the earlier export there is as it was/);
      expect(existsSync(path.join(root, 'swaps', 'new-parent'))).toBe(false);
    });

    it('says where the files that could not be put back are', () => {
      const target = earlierTarget('stuck');
      // The 6th rename (a file moving in) fails, and so does moving the stale Q4 back.
      const moves = failingMoves(6, (from) => from.includes('.crucible-export-backup-') && from.endsWith('bard-Q4_0.gguf'));
      expect(() => copyExport(next, target, { overwrite: false }, moves)).toThrow(/1 of the earlier export's files could not be put back \(crucible\/bard\/bard-Q4_0\.gguf\); they are in .*\.crucible-export-backup-.*: move them back by hand$/);
      const backup = readdirSync(target).find((name) => name.startsWith('.crucible-export-backup-')) as string;
      expect(readFileSync(path.join(target, backup, 'crucible', 'bard', 'bard-Q4_0.gguf'), 'utf8')).toBe('old q4');
      expect(readFileSync(path.join(target, 'crucible', 'bard', 'bard-Q8_0.gguf'), 'utf8')).toBe('old q8');
    });
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
