// Reading the app's command line: pipeline files to open and the engine's data folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirFromArgv, pipelinePathsFromArgv } from './command-line.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'crucible-argv-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
writeFileSync(path.join(folder, 'a.crucible.json'), '{}');
mkdirSync(path.join(folder, 'folder.crucible.json'));

describe('pipelinePathsFromArgv', () => {
  it('takes existing pipeline files, resolved against the launching folder, skipping switches and the executable', () => {
    const argv = ['/opt/Crucible/crucible', '--original-process-start-time=1', 'a.crucible.json', 'missing.crucible.json', 'folder.crucible.json', 'notes.txt', path.join(folder, 'a.crucible.json')];
    expect(pipelinePathsFromArgv(argv, folder)).toEqual([path.join(folder, 'a.crucible.json')]);
    expect(pipelinePathsFromArgv([path.join(folder, 'a.crucible.json')], folder)).toEqual([]);
  });
});

describe('dataDirFromArgv', () => {
  it('prefers the flag, then CRUCIBLE_DATA_DIR, else leaves it to the engine', () => {
    expect(dataDirFromArgv(['x', '--data-dir', 'd'], { CRUCIBLE_DATA_DIR: '/env' }, '/work')).toBe(path.resolve('/work/d'));
    expect(dataDirFromArgv(['x', '--data-dir=/abs'], {}, '/work')).toBe('/abs');
    expect(dataDirFromArgv(['x'], { CRUCIBLE_DATA_DIR: '/env' }, '/work')).toBe('/env');
    expect(dataDirFromArgv(['x'], {}, '/work')).toBeUndefined();
  });
});
