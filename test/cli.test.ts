// The `crucible` binary as users run it: exit codes, readable errors, the catalogue and NDJSON run output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
      expect.arrayContaining(['node "train": config.nEmbd: 130 must be divisible by nHead (4)', expect.stringMatching(/^node "eval": unknown node type "evaluat"/)]),
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

  it('node-types --json lists the eight types with their ports', () => {
    const { code, stdout } = crucible('node-types', '--json');
    expect(code).toBe(0);
    const types = JSON.parse(stdout) as { type: string; inputs: { name: string; type: string }[]; outputs: { name: string }[] }[];
    expect(types.map((t) => t.type)).toEqual(['dataset', 'tokenizer', 'pretrain', 'distill', 'quantize', 'evaluate', 'deploy', 'api-endpoint']);
    expect(types.find((t) => t.type === 'distill')!.inputs.map((p) => `${p.name}:${p.type}`)).toEqual(['teacher:Model', 'tokens:Tokens']);
  });

  it('run --json prints NDJSON ending with run.finished, and fails clearly for nodes not implemented yet', () => {
    const { code, stdout } = crucible('run', example, '--json', '--set', 'train.maxSteps=10');
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0].type).toBe('run.started');
    const last = lines.at(-1);
    expect(last).toMatchObject({ type: 'run.finished', status: 'failed' });
    expect(last.nodes.data).toMatchObject({ state: 'failed', cached: false, error: { message: expect.stringMatching(/not implemented yet/) } });
    expect(last.nodes.train).toMatchObject({ state: 'skipped', reason: 'upstream "data" failed' });
    const runs = JSON.parse(crucible('runs', '--json').stdout);
    expect(runs[0]).toMatchObject({ id: last.runId, status: 'failed' });
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
