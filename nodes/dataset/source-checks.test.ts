// The dataset's check on this machine, in temporary folders: outside sources warn, secret ones are refused (also
// through symbolic links), folders and globs report the secret-looking files they skip, allowOutside accepts.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeCheckProblem } from '../../app/nodes/run-contract.ts';
import { checkDatasetSources } from './source-checks.ts';
import { datasetConfig } from './spec.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-source-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const project = path.join(root, 'project');
const dataDir = path.join(root, 'data');
const elsewhere = path.join(root, 'elsewhere');

function write(file: string, content = 'text'): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

function link(target: string, file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  symlinkSync(target, file);
  return file;
}

/** Sources are given as the engine hands them over: paths already absolute (relative only when unsaved). */
function check(sources: Record<string, unknown>[], pipelineDir: string | null = project): Promise<NodeCheckProblem[]> {
  const config = datasetConfig.parse({ sources });
  return checkDatasetSources({ nodeId: 'data', config, pipelineDir, dataDir, signal: new AbortController().signal });
}

describe('sources outside the pipeline folder and the data directory', () => {
  it('says nothing for files in the pipeline folder tree or the data directory', async () => {
    const inside = write(path.join(project, 'corpus', 'a.txt'));
    const downloaded = write(path.join(dataDir, 'downloads', 'abc'));
    expect(await check([{ path: inside }, { path: downloaded }, { path: path.join(project, 'corpus') }, { path: `${project}/corpus/*.txt` }])).toEqual([]);
  });

  it('warns, naming the source, both folders and what to do', async () => {
    const outside = write(path.join(elsewhere, 'notes.txt'));
    const problems = await check([{ path: write(path.join(project, 'b.txt')) }, { path: outside }]);
    expect(problems).toEqual([{ field: 'sources.1.path', code: 'source_outside_project', severity: 'warning', message: expect.stringContaining(`"${outside}" is outside the pipeline's folder (${project}) and the data directory (${dataDir})`) }]);
    expect(problems[0]!.message).toMatch(/Move the file into the pipeline's folder, or set allowOutside: true on this source if you mean it$/);
  });

  it('warns for a glob or folder whose base lies outside, and for /etc/passwd', async () => {
    write(path.join(elsewhere, 'globbed', 'a.txt'));
    const problems = await check([{ path: `${elsewhere}/globbed/*.txt` }, { path: path.join(elsewhere, 'globbed') }, { path: '/etc/passwd' }]);
    expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
      ['sources.0.path', 'source_outside_project'],
      ['sources.1.path', 'source_outside_project'],
      ['sources.2.path', 'source_outside_project'],
    ]);
  });

  it('judges where a symbolic link leads: a link in the project to a file outside warns', async () => {
    const target = write(path.join(elsewhere, 'linked.txt'));
    const linked = link(target, path.join(project, 'linked.txt'));
    const [problem] = await check([{ path: linked }]);
    expect(problem).toMatchObject({ code: 'source_outside_project', severity: 'warning', message: expect.stringContaining(`(it leads to "${target}")`) });
  });

  it('warns when files a folder finds lead outside through links', async () => {
    write(path.join(project, 'mixed', 'own.txt'));
    link(write(path.join(elsewhere, 'far.txt')), path.join(project, 'mixed', 'far.txt'));
    const [problem] = await check([{ path: path.join(project, 'mixed') }]);
    expect(problem).toMatchObject({ code: 'source_outside_project', message: expect.stringMatching(/^1 file\(s\) it finds lead through symbolic links \(e\.g\. ".*mixed\/far\.txt" leads to ".*elsewhere\/far\.txt"\) to places outside the pipeline's folder/) });
  });

  it('allowOutside: true silences the warning', async () => {
    expect(await check([{ path: write(path.join(elsewhere, 'ok.txt')), allowOutside: true }])).toEqual([]);
  });

  it('an unsaved pipeline judges only absolute paths, against the data directory', async () => {
    const problems = await check([{ path: 'relative/a.txt' }, { path: write(path.join(elsewhere, 'abs.txt')) }], null);
    expect(problems).toEqual([expect.objectContaining({ field: 'sources.1.path', code: 'source_outside_project', message: expect.stringContaining('this pipeline is not saved') })]);
  });

  it('leaves a missing source to the run, which names it', async () => {
    expect(await check([{ path: path.join(project, 'missing.txt') }, { path: path.join(project, 'missing-folder', '*.txt') }])).toEqual([]);
  });
});

describe('secret locations', () => {
  it('refuses a source in a secret location, by name', async () => {
    const key = write(path.join(elsewhere, 'home', '.ssh', 'id_ed25519'));
    const [problem] = await check([{ path: key }]);
    expect(problem).toEqual({ field: 'sources.0.path', code: 'secret_source', severity: 'error', message: expect.stringContaining(`"${key}" is in .ssh (SSH keys)`) });
    expect(problem!.message).toMatch(/set allowOutside: true on this source if you really mean it$/);
  });

  it('refuses /proc/self/environ', async () => {
    expect(await check([{ path: '/proc/self/environ' }])).toEqual([expect.objectContaining({ code: 'secret_source', message: expect.stringContaining('is in /proc (process and kernel state') })]);
  });

  it('refuses an innocent name that leads into a secret location through a symbolic link', async () => {
    const environ = link('/proc/self/environ', path.join(project, 'links', 'environment.txt'));
    const key = link(write(path.join(elsewhere, 'keys', '.ssh', 'id_rsa')), path.join(project, 'links', 'notes.txt'));
    const problems = await check([{ path: environ }, { path: key }]);
    expect(problems).toEqual([
      expect.objectContaining({ field: 'sources.0.path', code: 'secret_source', message: expect.stringMatching(/leads \(through a symbolic link\) to "\/proc\/\d+\/environ", which is in \/proc/) }),
      expect.objectContaining({ field: 'sources.1.path', code: 'secret_source', message: expect.stringContaining('which is in .ssh') }),
    ]);
  });

  it('allowOutside: true accepts the secret location it names', async () => {
    const key = write(path.join(elsewhere, 'accepted', 'deploy.pem'));
    expect(await check([{ path: key, allowOutside: true }])).toEqual([]);
  });
});

describe('secret-looking files inside folders and globs', () => {
  const folder = path.join(project, 'repo');
  write(path.join(folder, 'README.md'));
  write(path.join(folder, '.env'));
  write(path.join(folder, '.env.example'));
  write(path.join(folder, 'deploy', 'server.pem'));
  write(path.join(folder, 'keys', 'id_rsa'));

  it('reports the files a folder skips, with examples and what to do', async () => {
    const [problem, ...rest] = await check([{ path: folder, include: ['**/*', '**/.env*'] }]);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ field: 'sources.0.path', code: 'secret_file_skipped', severity: 'warning' });
    expect(problem!.message).toMatch(/^3 file\(s\) it finds look like secrets and are skipped: ".*repo\/\.env", an environment file/);
    expect(problem!.message).toContain('repo/deploy/server.pem", a private key, certificate or key store (*.pem)');
    expect(problem!.message).toContain('repo/keys/id_rsa", an SSH private key (id_rsa)');
    expect(problem!.message).not.toContain('.env.example');
    expect(problem!.message).toMatch(/name it as its own source with allowOutside: true$/);
  });

  it('reports what a glob skips, and a linked file that leads to a secret', async () => {
    link('/proc/self/environ', path.join(project, 'globbed', 'env.txt'));
    write(path.join(project, 'globbed', 'fine.txt'));
    const [problem] = await check([{ path: `${project}/globbed/*.txt` }]);
    expect(problem).toMatchObject({ code: 'secret_file_skipped', message: expect.stringMatching(/^1 file\(s\).*globbed\/env\.txt" \(leads to "\/proc\/\d+\/environ"\), in \/proc/) });
  });

  it('does not walk a folder outside the tree: its outside warning stands for it', async () => {
    write(path.join(elsewhere, 'big', 'a.txt'));
    write(path.join(elsewhere, 'big', 'server.key'));
    expect((await check([{ path: path.join(elsewhere, 'big') }])).map((problem) => problem.code)).toEqual(['source_outside_project']);
    expect((await check([{ path: path.join(elsewhere, 'big'), allowOutside: true }])).map((problem) => problem.code)).toEqual(['secret_file_skipped']);
  });

  it('even with allowOutside on an accepted secret folder, keys in it are skipped and the rest is read', async () => {
    const ssh = path.join(elsewhere, 'other-home', '.ssh');
    write(path.join(ssh, 'config'));
    write(path.join(ssh, 'id_ecdsa'));
    const [problem, ...rest] = await check([{ path: ssh, allowOutside: true }]);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ code: 'secret_file_skipped', message: expect.stringMatching(/^1 file\(s\).*id_ecdsa", an SSH private key/) });
  });
});
