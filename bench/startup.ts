// `npm run bench:startup`: start-up times of the CLI, the engine server and a worker thread, from the built
// JavaScript (dist/node/, `npm run build`) and from the TypeScript sources through tsx (CRUCIBLE_FROM_SOURCE=1, the
// path every command took before the build existed), each as the median of RUNS against `node -e ""`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../engine/workers/typescript-worker.ts';
import { median } from './median.ts';

const RUNS = 5;
const root = path.resolve(import.meta.dirname, '..');
const CLI = path.join(root, 'bin', 'crucible.js');
const BUILT_DIR = path.join(root, 'dist', 'node');
const TINYSHAKESPEARE = path.resolve(root, '..', 'shared', 'data', 'tinyshakespeare.txt');
const EXAMPLE = 'examples/char-shakespeare.crucible.json';
/** A short training run, so the first (uncached) run that fills the cache takes seconds, not minutes. */
const RUN_ARGS = ['run', EXAMPLE, '--set', 'train.maxSteps=20'];

type Mode = 'built' | 'source';

if (!existsSync(path.join(BUILT_DIR, 'cli.js'))) {
  console.error(`bench:startup: no build in ${BUILT_DIR}; run "npm run build" first`);
  process.exit(1);
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-bench-startup-'));
const envFor = (mode: Mode): NodeJS.ProcessEnv => ({ ...process.env, CRUCIBLE_DATA_DIR: dataDir, CRUCIBLE_FROM_SOURCE: mode === 'source' ? '1' : '0' });

function timeProcess(args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return seconds;
}

async function medianOf(measure: () => number | Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let run = 0; run < RUNS; run++) seconds.push(await measure());
  return median(seconds);
}

/** Seconds from spawning the engine to /api/health answering (any HTTP response counts). */
async function timeEngineReady(mode: Mode): Promise<number> {
  const args = mode === 'built' ? [path.join(BUILT_DIR, 'engine.js')] : ['--import', 'tsx', path.join(root, 'engine', 'api', 'main.ts')];
  const started = performance.now();
  const child = spawn(process.execPath, [...args, '--data-dir', dataDir], { cwd: root, env: envFor(mode), stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for from the start: an engine that exits before it is ready has already closed by the `finally`.
  const closed = new Promise((resolve) => child.once('close', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const line = buffered.split('\n').find((candidate) => candidate.includes('"ready"'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`the engine exited ${code} before it was ready`)));
    });
    await fetch(`${url}/api/health`);
    return (performance.now() - started) / 1000;
  } finally {
    child.kill();
    await closed;
  }
}

/** Seconds from starting the training worker to its first message (its reply to an empty job, a failure). */
function timeWorkerFirstMessage(start: () => Worker): Promise<number> {
  const started = performance.now();
  const worker = start();
  return new Promise((resolve, reject) => {
    worker.once('message', () => {
      resolve((performance.now() - started) / 1000);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const ML_WORKER_SOURCE = new URL('../engine/ml/train/ml-worker.ts', import.meta.url);
const startWorker: Record<Mode | 'baseline', () => Worker> = {
  baseline: () => new Worker('require("node:worker_threads").parentPort.postMessage(0)', { eval: true }),
  built: () => new Worker(path.join(BUILT_DIR, 'ml-worker.js'), { workerData: {} }),
  source: () => startTypeScriptWorker(ML_WORKER_SOURCE, {}),
};

try {
  if (existsSync(TINYSHAKESPEARE)) timeProcess([CLI, 'data', 'add', TINYSHAKESPEARE], envFor('built'));
  console.log(`filling the cache: ${RUN_ARGS.join(' ')} (data dir ${dataDir})...`);
  timeProcess([CLI, ...RUN_ARGS], envFor('built'));

  const baseline = await medianOf(() => timeProcess(['-e', ''], process.env));
  const rows: { what: string; budget: number; seconds: Record<Mode, number> }[] = [];
  const cliCases: { what: string; args: string[]; budget: number }[] = [
    { what: 'crucible --version', args: ['--version'], budget: 0.15 },
    { what: `crucible validate ${EXAMPLE}`, args: ['validate', EXAMPLE], budget: 0.3 },
    { what: `crucible ${RUN_ARGS.join(' ')} (fully cached)`, args: RUN_ARGS, budget: 0.6 },
  ];
  for (const { what, args, budget } of cliCases) {
    console.log(`${what}...`);
    rows.push({ what, budget, seconds: { built: await medianOf(() => timeProcess([CLI, ...args], envFor('built'))), source: await medianOf(() => timeProcess([CLI, ...args], envFor('source'))) } });
  }
  console.log('engine ready...');
  rows.push({ what: 'engine ready (/api/health answering)', budget: 0.8, seconds: { built: await medianOf(() => timeEngineReady('built')), source: await medianOf(() => timeEngineReady('source')) } });

  console.log('worker first message...');
  const workerBaseline = await medianOf(() => timeWorkerFirstMessage(startWorker.baseline));
  const workerRow = { built: await medianOf(() => timeWorkerFirstMessage(startWorker.built)), source: await medianOf(() => timeWorkerFirstMessage(startWorker.source)) };

  const format = (seconds: number) => seconds.toFixed(3);
  const over = (seconds: number, base: number) => `+${(seconds - base).toFixed(3)}`;
  const table = rows.map(({ what, budget, seconds }) => ({
    what,
    'built s': format(seconds.built),
    'built over node -e': over(seconds.built, baseline),
    'tsx s': format(seconds.source),
    'tsx over node -e': over(seconds.source, baseline),
    budget: `+${budget}`,
  }));
  table.push({
    what: 'training worker first message (over an empty worker)',
    'built s': format(workerRow.built),
    'built over node -e': over(workerRow.built, workerBaseline),
    'tsx s': format(workerRow.source),
    'tsx over node -e': over(workerRow.source, workerBaseline),
    budget: '+0.3',
  });
  console.log(`node -e "": ${format(baseline)} s; an empty worker's first message: ${format(workerBaseline)} s; medians of ${RUNS}; Node ${process.version}`);
  console.table(table);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
