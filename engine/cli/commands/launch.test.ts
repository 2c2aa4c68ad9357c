// `crucible launch` and `crucible runs import`: the Slurm script and the PyTorchJob parsed (commands, each rank's
// environment, the shared paths), the Slurm script itself run here with 2 CPU ranks through the real torchrun (srun and
// scontrol stand in for Slurm: engine/torch-runner/testing/slurm-bin), and its result imported into the store.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { freePort } from '../../free-port.ts';
import { MODEL_FILES, readModelFolder } from '../../ml/export/model-folder.ts';
import { shakespeareExcerpt } from '../../ml/train/testing/tiny-settings.ts';
import { EXIT } from '../io.ts';
import { runCli } from '../main.ts';
import { capturedIo } from '../testing/captured-io.ts';

const TORCHRUN = '/usr/bin/torchrun';
const torchMissing = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0 || !existsSync(TORCHRUN);
if (torchMissing && process.env.CI === 'true') throw new Error('/usr/bin/python3 has no torch (or /usr/bin/torchrun is missing), and CI must run the torch runner for real: install python3-torch');
if (torchMissing) console.warn('skipping the Slurm script run: /usr/bin/python3 has no torch or /usr/bin/torchrun is missing (install python3-torch)');

const SLURM_BIN = fileURLToPath(new URL('../../torch-runner/testing/slurm-bin', import.meta.url));
const cwd = mkdtempSync(path.join(os.tmpdir(), 'crucible-launch-cli-'));
const dataDir = path.join(cwd, 'data');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

writeFileSync(path.join(cwd, 'excerpt.txt'), shakespeareExcerpt(40_000));
const TRAIN = { runner: 'torch', nprocPerNode: 2, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 6, warmupSteps: 2, evalInterval: 3, evalBatches: 2, checkpointInterval: 3, learningRate: 1e-2, threads: 2, device: 'cpu' };
writeFileSync(
  path.join(cwd, 'pipeline.crucible.json'),
  JSON.stringify(
    fixturePipeline(
      [
        { id: 'data', type: 'dataset', config: { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 } },
        { id: 'tok', type: 'tokenizer', config: { kind: 'char', specialTokens: [] } },
        { id: 'train', type: 'pretrain', config: TRAIN },
      ],
      ['data.corpus->tok.corpus', 'tok.tokens->train.tokens'],
      'launch me',
    ),
  ),
);

const fakeIo = () => capturedIo({ cwd });

/** The words of a shell line, quotes removed (enough for the lines the generator writes). */
const words = (line: string) => (line.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^["']|["']$/g, ''));
/** The value after each `--flag` in a torchrun argument list. */
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('crucible launch --cluster slurm, then runs import', () => {
  const dir = path.join(cwd, 'slurm-job');

  it('writes the sbatch script, JOB.json with the shared paths, the data, the trainer and a README', async () => {
    const run = fakeIo();
    const code = await runCli(['launch', 'pipeline.crucible.json', '--target', 'train', '--cluster', 'slurm', '--nodes', '1', '--gpus-per-node', '0', '--out', 'slurm-job', '--partition', 'cpu', '--time', '00:10:00', '--data-dir', dataDir], run.io);
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain(`wrote ${dir}`);
    const script = readFileSync(path.join(dir, 'job.sbatch'), 'utf8');
    const directives = Object.fromEntries(script.split('\n').filter((line) => line.startsWith('#SBATCH ')).map((line) => line.slice('#SBATCH --'.length).split('=')));
    expect(directives).toEqual({ 'job-name': 'crucible-train', nodes: '1', 'ntasks-per-node': '1', 'cpus-per-task': '2', output: path.join(dir, 'logs', '%x-%j.out'), partition: 'cpu', time: '00:10:00' });
    const srun = words(script.split('\n').find((line) => line.startsWith('srun ')) as string);
    expect(srun.slice(0, 3)).toEqual(['srun', '--ntasks-per-node=1', '$TORCHRUN']);
    const torchrun = srun.slice(3);
    expect(flagValue(torchrun, '--nnodes')).toBe('$SLURM_NNODES');
    expect(flagValue(torchrun, '--nproc_per_node')).toBe('2');
    expect(flagValue(torchrun, '--rdzv_backend')).toBe('c10d');
    expect(flagValue(torchrun, '--rdzv_endpoint')).toBe('$HEAD_NODE:$RDZV_PORT');
    expect(flagValue(torchrun, '--rdzv_id')).toBe('$SLURM_JOB_ID');
    expect([flagValue(torchrun, '--redirects'), flagValue(torchrun, '--tee')]).toEqual(['2', '2']);
    expect(torchrun.slice(-5)).toEqual(['-m', 'crucible_torch', 'train', '--job', path.join(dir, 'JOB.json')]);
    expect(script).toContain(`SHARED=${dir}\n`);
    expect(script).toContain('export PYTHONPATH="$SHARED${PYTHONPATH:+:$PYTHONPATH}"\n');
    expect(script).toContain('export OMP_NUM_THREADS=1\n');
    const job = JSON.parse(readFileSync(path.join(dir, 'JOB.json'), 'utf8'));
    expect(job).toMatchObject({ version: 1, kind: 'pretrain', device: 'cpu', precision: 'float32', outDir: path.join(dir, 'out'), init: null, data: { train: path.join(dir, 'data', 'train.bin'), val: path.join(dir, 'data', 'val.bin'), dtype: 'uint16' } });
    expect(job.model).toMatchObject({ architecture: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32 });
    expect(job.training).toMatchObject({ maxSteps: 6, batchSize: 4, seed: 1337, adamEpsilon: 1e-8 });
    for (const file of ['data/train.bin', 'data/val.json', 'crucible_torch/__main__.py', 'tokenizer/tokenizer.json', 'launch.json']) expect(existsSync(path.join(dir, file)), file).toBe(true);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`sbatch ${path.join(dir, 'job.sbatch')}`);
    expect(readme).toContain('crucible runs import THIS_FOLDER');
  }, 300_000);

  it.skipIf(torchMissing)('runs the script’s trainer command here with 2 CPU ranks through torchrun, and imports the result', async () => {
    const port = await freePort();
    const env = { ...process.env, PATH: `${SLURM_BIN}:${process.env.PATH}`, TORCHRUN, RDZV_PORT: String(port), SLURM_NNODES: '1', SLURM_JOB_ID: '4242', SLURM_JOB_NODELIST: 'node001' };
    const ran = spawnSync('bash', [path.join(dir, 'job.sbatch')], { env, encoding: 'utf8', timeout: 240_000 });
    const events = ran.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ran.status, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(events.find((event) => event.event === 'start')).toMatchObject({ worldSize: 2, device: 'cpu' });
    expect(events.filter((event) => event.event === 'step').map((event) => event.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.at(-1)).toMatchObject({ event: 'done', step: 6, safetensors: path.join(dir, 'out', 'model.safetensors') });
    expect(ran.stderr, 'torchrun tees rank 1’s stderr with its prefix').toMatch(/\[default1\]:/);

    const imported = fakeIo();
    expect(await runCli(['runs', 'import', 'slurm-job', '--data-dir', dataDir], imported.io), imported.stderr()).toBe(0);
    const folder = /: (\/\S+)\n$/.exec(imported.stdout())?.[1] as string;
    expect(imported.stdout()).toMatch(/^imported pretrain train as Model [0-9a-f]{12} \([\d,]+ parameters\): /);
    expect(folder.startsWith(path.join(dataDir, 'artifacts'))).toBe(true);
    const model = readModelFolder(folder);
    expect(model.config).toMatchObject({ nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32 });
    expect(existsSync(path.join(folder, MODEL_FILES.tokenizer))).toBe(true);
    const provenance = JSON.parse(readFileSync(path.join(folder, MODEL_FILES.provenance), 'utf8'));
    expect(provenance).toMatchObject({ node: { id: 'train', type: 'pretrain' }, runner: { name: 'torch', worldSize: 2 }, launch: { cluster: { cluster: 'slurm', nodes: 1, nprocPerNode: 2 }, from: dir } });
    expect(provenance.inputs.tokens.key).toMatch(/^[0-9a-f]{64}$/);
    const again = fakeIo();
    expect(await runCli(['runs', 'import', dir, '--data-dir', dataDir], again.io)).toBe(0);
    expect(again.stdout()).toBe(`already imported: ${folder}\n`);
  }, 300_000);

  it('refuses to import a folder whose job has not finished', async () => {
    const run = fakeIo();
    const empty = path.join(cwd, 'not-a-launch');
    expect(await runCli(['runs', 'import', empty, '--data-dir', dataDir], run.io)).toBe(1);
    expect(run.stderr()).toContain(`runs import: ${empty} has no launch.json; give the folder \`crucible launch --out\` wrote`);
  });
});

describe('crucible launch --cluster kubernetes', () => {
  it('writes a PyTorchJob: one master and N-1 workers, torchrun with the rendezvous at the master, GPUs, the shared volume', async () => {
    const run = fakeIo();
    const args = ['launch', 'pipeline.crucible.json', '--target', 'train', '--cluster', 'kubernetes', '--nodes', '2', '--gpus-per-node', '4', '--out', 'k8s-job', '--shared', '/mnt/crucible', '--pvc', 'team-data', '--image', 'registry.example/torch:2.4', '--data-dir', dataDir];
    expect(await runCli(args, run.io), run.stderr()).toBe(0);
    const dir = path.join(cwd, 'k8s-job');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'pytorchjob.json'), 'utf8'));
    expect(manifest).toMatchObject({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'crucible-train' }, spec: { nprocPerNode: '2' } });
    const replicas = manifest.spec.pytorchReplicaSpecs;
    expect(Object.keys(replicas)).toEqual(['Master', 'Worker']);
    expect([replicas.Master.replicas, replicas.Worker.replicas]).toEqual([1, 1]);
    for (const role of ['Master', 'Worker']) {
      const pod = replicas[role].template.spec;
      const [container] = pod.containers;
      expect(container.name, 'the training operator finds the container by this name').toBe('pytorch');
      expect(container.image).toBe('registry.example/torch:2.4');
      const command: string[] = container.command;
      expect(command[0]).toBe('torchrun');
      expect(flagValue(command, '--nnodes')).toBe('2');
      expect(flagValue(command, '--nproc_per_node')).toBe('2');
      expect(flagValue(command, '--rdzv_backend')).toBe('c10d');
      expect(flagValue(command, '--rdzv_endpoint'), 'the operator sets MASTER_ADDR/MASTER_PORT in every pod').toBe('$(MASTER_ADDR):$(MASTER_PORT)');
      expect(command.slice(-5)).toEqual(['-m', 'crucible_torch', 'train', '--job', '/mnt/crucible/JOB.json']);
      expect(container.env).toEqual([{ name: 'PYTHONPATH', value: '/mnt/crucible' }, { name: 'OMP_NUM_THREADS', value: '1' }]);
      expect(container.resources).toEqual({ limits: { 'nvidia.com/gpu': 4 } });
      expect(container.volumeMounts).toEqual([{ name: 'shared', mountPath: '/mnt/crucible' }]);
      expect(pod.volumes).toEqual([{ name: 'shared', persistentVolumeClaim: { claimName: 'team-data' } }]);
    }
    const job = JSON.parse(readFileSync(path.join(dir, 'JOB.json'), 'utf8'));
    expect(job).toMatchObject({ device: 'cuda', outDir: '/mnt/crucible/out', data: { train: '/mnt/crucible/data/train.bin' } });
    expect(existsSync(path.join(dir, 'data', 'train.bin'))).toBe(true);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('kubectl apply -f pytorchjob.json');
  }, 300_000);

  it('refuses a batch that does not split across every rank, and a node that does not train', async () => {
    const uneven = fakeIo();
    expect(await runCli(['launch', 'pipeline.crucible.json', '--target', 'train', '--cluster', 'kubernetes', '--nodes', '3', '--gpus-per-node', '2', '--out', 'x', '--data-dir', dataDir], uneven.io)).toBe(EXIT.failed);
    expect(uneven.stderr()).toContain('launch: batchSize 4 cannot be split evenly across 3 nodes × 2 ranks; use a multiple of 6');
    const wrong = fakeIo();
    expect(await runCli(['launch', 'pipeline.crucible.json', '--target', 'tok', '--cluster', 'slurm', '--out', 'x', '--data-dir', dataDir], wrong.io)).toBe(EXIT.usage);
    expect(wrong.stderr()).toContain('--target tok is a tokenizer node; launch trains a pretrain or finetune node');
  }, 300_000);
});
