// The `crucible` binary as users run it: exit codes, readable errors, the catalogue and NDJSON run output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInNodeSpecs } from '../nodes/specs.ts';
import { REPO_ROOT } from './engine-process.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crucible-cli-'));
const example = path.join(REPO_ROOT, 'examples', 'char-shakespeare.crucible.json');

function crucible(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'crucible.js'), ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, CRUCIBLE_DATA_DIR: path.join(tmp, 'data') },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('crucible CLI', () => {
  it('validate: exit 0 for a valid file', () => {
    const { code, stdout } = crucible('validate', example);
    expect(code).toBe(0);
    expect(stdout).toMatch(/valid, 4 nodes, 4 edges/);
  });

  it('validate: exit 1 with one readable line per problem', () => {
    const broken = JSON.parse(readFileSync(example, 'utf8'));
    broken.nodes[2].config.nEmbd = 130;
    broken.nodes[3].type = 'evaluat';
    const file = path.join(tmp, 'broken.crucible.json');
    writeFileSync(file, JSON.stringify(broken));
    const { code, stderr } = crucible('validate', file);
    expect(code).toBe(1);
    expect(stderr.split('\n')).toEqual(
      expect.arrayContaining(['node "train": config.nEmbd: 130 must be divisible by nHead (4)', expect.stringMatching(/^node "eval": unknown node type "evaluat"; did you mean "evaluate"\?/)]),
    );
  });

  it('validate: exit 2 for unreadable or non-JSON files, with line and column', () => {
    const file = path.join(tmp, 'bad.crucible.json');
    writeFileSync(file, '{\n  "name": "x",\n  oops\n}');
    const bad = crucible('validate', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/line 3, column 3/);
    const missing = crucible('validate', 'nope.crucible.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read nope\.crucible\.json: no such file/);
  });

  it('node-types --json lists every built-in type with its ports', () => {
    const { code, stdout } = crucible('node-types', '--json');
    expect(code).toBe(0);
    const types = JSON.parse(stdout) as { type: string; inputs: { name: string; type: string }[]; outputs: { name: string }[] }[];
    expect(types.map((t) => t.type)).toEqual(builtInNodeSpecs.map((spec) => spec.type));
    expect(types.find((t) => t.type === 'model')!.outputs.map((p) => p.name)).toEqual(['model', 'tokenizer']);
    expect(types.find((t) => t.type === 'distill')!.inputs.map((p) => `${p.name}:${p.type}`)).toEqual(['teacher:Model', 'tokens:Tokens']);
  });

  it('run --json prints NDJSON ending with run.finished, caches, and says why a node re-runs', () => {
    const corpus = path.join(tmp, 'corpus.txt');
    writeFileSync(corpus, 'To be, or not to be, that is the question.\n'.repeat(50));
    const file = path.join(tmp, 'data.crucible.json');
    const pipeline = { format: 'crucible.pipeline', version: 1, name: 'data only', nodes: [{ id: 'data', type: 'dataset', typeVersion: 1, config: { sources: [{ path: 'corpus.txt' }], documentSplit: 'none' } }], edges: [] };
    writeFileSync(file, JSON.stringify(pipeline));
    const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

    const first = crucible('run', file, '--json');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0].type).toBe('run.started');
    expect(lines.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded', nodes: { data: { state: 'succeeded', cached: false, reason: 'no cached artifact' } } });
    expect(readFileSync(path.join(lines.at(-1).nodes.data.artifact, 'train.txt'), 'utf8').length).toBeGreaterThan(1000);

    expect(lastLine(crucible('run', file, '--json').stdout).nodes.data).toMatchObject({ state: 'cached', cached: true, reason: 'config and inputs unchanged' });
    writeFileSync(corpus, 'Something else entirely.\n'.repeat(80));
    expect(lastLine(crucible('run', file, '--json').stdout).nodes.data).toMatchObject({ state: 'succeeded', reason: 'source content changed' });

    const runs = JSON.parse(crucible('runs', '--json').stdout);
    expect(runs).toHaveLength(3);
  });

  it('run exits 1 with a clear message when a node fails', () => {
    const file = path.join(tmp, 'missing.crucible.json');
    writeFileSync(file, JSON.stringify({ format: 'crucible.pipeline', version: 1, name: 'missing', nodes: [{ id: 'data', type: 'dataset', typeVersion: 1, config: { sources: [{ path: 'nowhere.txt' }] } }], edges: [] }));
    const { code, stdout } = crucible('run', file, '--json');
    expect(code).toBe(1);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'run.finished', status: 'failed', nodes: { data: { state: 'failed', error: { message: expect.stringContaining('nowhere.txt') } } } });
  });

  it('run refuses an invalid override with the field and the reason', () => {
    const { code, stderr } = crucible('run', example, '--set', 'train.nEmbd=130');
    expect(code).toBe(1);
    expect(stderr).toMatch(/node "train": config.nEmbd: 130 must be divisible by nHead \(4\)/);
  });

  it('prints usage for unknown commands', () => {
    const { code, stderr } = crucible('frobnicate');
    expect(code).toBe(64);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
  });
});
