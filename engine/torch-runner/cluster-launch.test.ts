// `crucible launch`'s folder written directly: the Slurm script run by bash (srun and scontrol stand in for Slurm, a
// stand-in torchrun prints the arguments it got) from a folder whose path has spaces; the #SBATCH lines; the
// PyTorchJob's names for node ids Kubernetes would refuse as they are; a launch over another job's finished result.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLaunchFolder } from './cluster-launch.ts';
import { tinyLaunchInput, writeTinyTokens } from './testing/launch-input.ts';

const SLURM_BIN = fileURLToPath(new URL('./testing/slurm-bin', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-cluster-launch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = writeTinyTokens(mkdirSync(path.join(root, 'tokens'), { recursive: true }) as string);

// Kubernetes' own rules (k8s.io/apimachinery/pkg/util/validation): IsDNS1123Label, IsValidLabelValue.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('the Slurm launch folder', () => {
  it('runs from a folder whose path has spaces and quotes: every torchrun argument arrives whole', () => {
    const dir = path.join(root, "team's runs", 'slurm job');
    writeLaunchFolder(tinyLaunchInput({ dir, tokens }));
    const torchrun = path.join(root, 'torchrun-args');
    writeFileSync(torchrun, '#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "PYTHONPATH=%s\\n" "$PYTHONPATH"\n');
    chmodSync(torchrun, 0o755);
    const env = { ...process.env, PATH: `${SLURM_BIN}:${process.env.PATH}`, TORCHRUN: torchrun, PYTHONPATH: '', SLURM_NNODES: '1', SLURM_JOB_ID: '4242', SLURM_JOB_NODELIST: 'node001' };
    const ran = spawnSync('bash', [path.join(dir, 'job.sbatch')], { env, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    const lines = ran.stdout.split('\n').filter((line) => line !== '');
    expect(lines.at(-1)).toBe(`PYTHONPATH=${dir}`);
    expect(lines.slice(0, -1)).toEqual(['--nnodes', '1', '--nproc_per_node', '1', '--rdzv_id', '4242', '--rdzv_backend', 'c10d', '--rdzv_endpoint', '127.0.0.1:29500', '--redirects', '2', '--tee', '2', '-m', 'crucible_torch', 'train', '--job', path.join(dir, 'JOB.json')]);
  });

  it('double-quotes an #SBATCH value with spaces (sbatch groups them so, without a shell), and the README’s commands are quoted', () => {
    const dir = path.join(root, 'with space');
    writeLaunchFolder(tinyLaunchInput({ dir, tokens, options: { partition: 'gpu a100', time: '01:00:00' } }));
    const directives = readFileSync(path.join(dir, 'job.sbatch'), 'utf8').split('\n').filter((line) => line.startsWith('#SBATCH '));
    expect(directives).toContain(`#SBATCH --output="${dir}/logs/%x-%j.out"`);
    expect(directives).toContain('#SBATCH --partition="gpu a100"');
    expect(directives).toContain('#SBATCH --time=01:00:00');
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`sbatch '${dir}/job.sbatch'`);
    expect(readme).toContain(`tail -f '${dir}/logs'/crucible-*.out`);
  });

  it('refuses a shared path no #SBATCH line can name, before writing anything', () => {
    for (const [shared, character] of [['/scratch/100%/run', '%'], ['/scratch/a"b', '"'], ['/scratch/a\\b', '\\']] as const) {
      const dir = path.join(root, `refused-${character.charCodeAt(0)}`);
      expect(() => writeLaunchFolder(tinyLaunchInput({ dir, tokens, options: { shared } }))).toThrow(`launch: the shared path ${JSON.stringify(shared)} has ${JSON.stringify(character)}, which a Slurm #SBATCH --output line cannot name`);
      expect(existsSync(dir)).toBe(false);
    }
  });
});

describe('the PyTorchJob', () => {
  it('has a DNS-1123 name and a valid node label for node ids with underscores at the ends, and the README names its master pod', () => {
    for (const [nodeId, name] of [
      ['gpt_small_', 'crucible-gpt-small'],
      ['_Big.Model', 'crucible-big-model'],
      // The 50th character is the '-' that stood for '_': cut there, it would end the name.
      [`${'a'.repeat(40)}_very_long_name`, `crucible-${'a'.repeat(40)}`],
    ] as const) {
      const dir = path.join(root, `k8s-${name}`);
      writeLaunchFolder(tinyLaunchInput({ dir, tokens, nodeId, options: { cluster: 'kubernetes', shared: '/mnt/crucible' } }));
      const manifest = JSON.parse(readFileSync(path.join(dir, 'pytorchjob.json'), 'utf8'));
      expect(manifest.metadata.name, nodeId).toBe(name);
      expect(manifest.metadata.name).toMatch(DNS1123_LABEL);
      expect(manifest.metadata.labels['crucible.dev/node']).toMatch(LABEL_VALUE);
      expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(`kubectl logs -f ${name}-master-0`);
    }
  });
});

describe('a launch into a folder launched before', () => {
  it('is refused when out/ holds another job’s finished result, and allowed for the same job', () => {
    const dir = path.join(root, 'relaunch');
    const first = writeLaunchFolder(tinyLaunchInput({ dir, tokens }));
    // What the trainer leaves when it finishes: done.json naming the SHA-256 of the JOB.json it ran.
    const jobSha256 = createHash('sha256').update(readFileSync(path.join(dir, 'JOB.json'))).digest('hex');
    writeFileSync(path.join(dir, 'out', 'done.json'), JSON.stringify({ version: 1, jobSha256, fingerprint: 'x', step: 2, worldSize: 1, files: {}, metrics: {} }));
    const before = readFileSync(path.join(dir, 'JOB.json'), 'utf8');
    expect(() => writeLaunchFolder(tinyLaunchInput({ dir, tokens, settings: { learningRate: 1e-4 } }))).toThrow(`launch: ${path.join(dir, 'out')} holds the finished result of an earlier launch with other settings (${path.join(dir, 'out', 'done.json')}); import it first if you want it (crucible runs import ${dir}), then remove ${path.join(dir, 'out')}, or launch into another --out folder`);
    expect(readFileSync(path.join(dir, 'JOB.json'), 'utf8'), 'nothing was rewritten').toBe(before);
    expect(writeLaunchFolder(tinyLaunchInput({ dir, tokens })).job).toEqual(first.job);
  });
});
