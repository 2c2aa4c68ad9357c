// Opening and saving pipeline files: the page may write only where the user chose, reads are size-limited, and
// writes are atomic.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_PIPELINE_TEXT_BYTES } from '../../app/protocol/desktop-ipc.ts';
import { PipelineFiles, withPipelineExtension } from './pipeline-files.ts';
import { RecentFiles } from './recent-files.ts';

let folder: string;
let recent: RecentFiles;
const dialogs = {
  choosePipelineToOpen: vi.fn<() => Promise<string | null>>(),
  choosePipelineToSave: vi.fn<(name: string) => Promise<string | null>>(),
  confirmReplace: vi.fn<(file: string) => Promise<boolean>>(),
};

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'crucible-files-'));
  recent = new RecentFiles(path.join(folder, 'state', 'recent.json'));
  dialogs.choosePipelineToOpen.mockReset();
  dialogs.choosePipelineToSave.mockReset();
  dialogs.confirmReplace.mockReset();
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function pipelineFile(name: string, text = '{"format":"crucible.pipeline"}\n'): string {
  const file = path.join(folder, name);
  writeFileSync(file, text);
  return file;
}

describe('PipelineFiles', () => {
  it('opens the file chosen in the dialog, remembers it and may then save over it', async () => {
    const file = pipelineFile('a.crucible.json');
    dialogs.choosePipelineToOpen.mockResolvedValue(file);
    const files = new PipelineFiles(recent, dialogs);
    await expect(files.openWithDialog()).resolves.toEqual({ path: file, text: '{"format":"crucible.pipeline"}\n' });
    expect(recent.list()).toEqual([file]);
    await expect(files.save({ path: file, text: 'changed\n', saveAs: false })).resolves.toEqual({ path: file });
    expect(readFileSync(file, 'utf8')).toBe('changed\n');
    expect(readdirSync(folder).filter((name) => name.includes('partial'))).toEqual([]);
    expect(dialogs.choosePipelineToSave).not.toHaveBeenCalled();
  });

  it('returns null when a dialog is cancelled', async () => {
    dialogs.choosePipelineToOpen.mockResolvedValue(null);
    dialogs.choosePipelineToSave.mockResolvedValue(null);
    const files = new PipelineFiles(recent, dialogs);
    await expect(files.openWithDialog()).resolves.toBeNull();
    await expect(files.save({ path: null, text: '{}', saveAs: false })).resolves.toBeNull();
  });

  it('refuses to write a file the user never opened or picked', async () => {
    const victim = pipelineFile('elsewhere.crucible.json', 'keep me');
    const files = new PipelineFiles(recent, dialogs);
    await expect(files.save({ path: victim, text: 'pwned', saveAs: false })).rejects.toThrow(/refused: the app did not open that file; use File › Save As…/);
    await expect(files.save({ path: path.join(folder, '..', path.basename(folder), '.bashrc'), text: 'x', saveAs: false })).rejects.toThrow(/refused/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('names a granted file by its absolute path only, and grants back only an absolute recorded path', async () => {
    const file = pipelineFile('a.crucible.json');
    dialogs.choosePipelineToOpen.mockResolvedValue(file);
    const files = new PipelineFiles(recent, dialogs);
    await files.openWithDialog();
    const relative = path.relative(process.cwd(), file);
    expect(files.grantedPath(relative)).toBe(file);
    expect(files.grantedPath(path.join(folder, 'other.crucible.json'))).toBeNull();

    const restarted = new PipelineFiles(recent, dialogs);
    restarted.regrant(relative);
    await expect(restarted.save({ path: file, text: 'x', saveAs: false })).rejects.toThrow(/refused/);
    restarted.regrant(file);
    await expect(restarted.save({ path: file, text: 'saved', saveAs: false })).resolves.toEqual({ path: file });
  });

  it('asks where to save a new document or on Save As, adding the pipeline extension', async () => {
    const opened = pipelineFile('a.crucible.json');
    const files = new PipelineFiles(recent, dialogs);
    await files.openFromOs(opened);
    dialogs.choosePipelineToSave.mockResolvedValue(path.join(folder, 'copy'));
    await expect(files.save({ path: opened, text: 'copy\n', saveAs: true })).resolves.toEqual({ path: path.join(folder, 'copy.crucible.json') });
    expect(dialogs.choosePipelineToSave).toHaveBeenCalledWith('a.crucible.json');
    expect(readFileSync(path.join(folder, 'copy.crucible.json'), 'utf8')).toBe('copy\n');
    expect(readFileSync(opened, 'utf8')).not.toBe('copy\n');
    expect(recent.list()[0]).toBe(path.join(folder, 'copy.crucible.json'));

    dialogs.choosePipelineToSave.mockResolvedValue(path.join(folder, 'new.json'));
    await files.save({ path: null, text: '{}', saveAs: false, suggestedName: 'Char GPT.crucible.json' });
    expect(dialogs.choosePipelineToSave).toHaveBeenLastCalledWith('Char GPT.crucible.json');
    expect(readFileSync(path.join(folder, 'new.crucible.json'), 'utf8')).toBe('{}');
  });

  it('asks before replacing a pipeline that the added extension names (the dialog saw another name)', async () => {
    const existing = pipelineFile('experiment.crucible.json', '{"name":"weeks of work"}');
    const files = new PipelineFiles(recent, dialogs);
    for (const chosen of ['experiment', 'experiment.json']) {
      dialogs.choosePipelineToSave.mockResolvedValue(path.join(folder, chosen));
      dialogs.confirmReplace.mockResolvedValue(false);
      await expect(files.save({ path: null, text: '{"name":"new"}', saveAs: true })).resolves.toBeNull();
      expect(dialogs.confirmReplace).toHaveBeenLastCalledWith(existing);
      expect(readFileSync(existing, 'utf8')).toBe('{"name":"weeks of work"}');
    }
    dialogs.confirmReplace.mockResolvedValue(true);
    await expect(files.save({ path: null, text: '{"name":"new"}', saveAs: true })).resolves.toEqual({ path: existing });
    expect(readFileSync(existing, 'utf8')).toBe('{"name":"new"}');
    // A name the dialog returned whole had its own prompt: no second one.
    dialogs.confirmReplace.mockClear();
    dialogs.choosePipelineToSave.mockResolvedValue(existing);
    await files.save({ path: null, text: '{"name":"again"}', saveAs: true });
    expect(dialogs.confirmReplace).not.toHaveBeenCalled();
  });

  it('two saves of one file at once leave one of them whole, never a mix, and both succeed', async () => {
    const file = pipelineFile('busy.crucible.json');
    const files = new PipelineFiles(recent, dialogs);
    await files.openFromOs(file);
    const long = JSON.stringify({ nodes: Array.from({ length: 5_000 }, (_, index) => ({ id: `n${index}`, type: 'dataset' })) });
    const short = JSON.stringify({ nodes: [] });
    for (let trial = 0; trial < 20; trial++) {
      await Promise.all([files.save({ path: file, text: long, saveAs: false }), files.save({ path: file, text: short, saveAs: false })]);
      expect(readFileSync(file, 'utf8')).toBe(short); // the later save wins
    }
    expect(readdirSync(folder).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('opens recent files only from the recent list, and drops ones that disappeared', async () => {
    const file = pipelineFile('r.crucible.json');
    const files = new PipelineFiles(recent, dialogs);
    await expect(files.openRecent(file)).rejects.toThrow(/not in the recent files/);
    recent.add(file);
    await expect(files.openRecent(file)).resolves.toMatchObject({ path: file });
    rmSync(file);
    await expect(files.openRecent(file)).rejects.toThrow(/no such file/);
    expect(recent.list()).toEqual([]);
  });

  it('refuses a file too large to be a pipeline', async () => {
    const file = pipelineFile('huge.crucible.json', 'x'.repeat(MAX_PIPELINE_TEXT_BYTES + 1));
    await expect(new PipelineFiles(recent, dialogs).openFromOs(file)).rejects.toThrow(/more than a pipeline file may hold/);
  });
});

describe('withPipelineExtension', () => {
  it('adds .crucible.json once', () => {
    expect(withPipelineExtension('/p/a')).toBe('/p/a.crucible.json');
    expect(withPipelineExtension('/p/a.json')).toBe('/p/a.crucible.json');
    expect(withPipelineExtension('/p/a.Crucible.JSON')).toBe('/p/a.Crucible.JSON');
  });
});
