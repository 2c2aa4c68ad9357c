// `npm run bench:train`: Crucible's GPT-2 (or, with --arch llama, Llama) training step against PyTorch on the same CPU,
// char-level tinyshakespeare.
// Both run as worker processes fed identical batches, in alternating chunks of steps so machine load hits both alike.
//
// Flags: --steps N (reference-config steps, default 2000), --big-steps N (10.7M config, default 20), --quick
// (200 and 3), --only nano|10m, --arch gpt2|llama (default gpt2), --no-torch, --threads N (default 2), --chunk N, --eval-batches N (default 20),
// --torch-spin (PyTorch's default OpenMP spin-waiting; by default it runs with OMP_WAIT_POLICY=PASSIVE, which was
// several times faster on this shared machine, so the reference is the stronger one).
// PyTorch: /usr/bin/python3 with torch (apt-get install -y python3-torch libopenblas0-pthread).
// --runner torch [--nproc 1,2] [--rounds R]: the whole runners instead, Crucible's beside the PyTorch runner with 1 and 2
// DDP ranks (bench/train-torch-runner.ts; --steps defaults to 100 there).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { windowStartSource } from './char-corpus.ts';
import { benchTorchRunner } from './train-torch-runner.ts';
import { JsonLinesWorker } from './json-lines-client.ts';
import { formatResultTable, summarize, type ImplementationResult } from './train-report.ts';
import { BENCH_HYPERPARAMETERS, GPT_10M, LLAMA_10M, LLAMA_NANO_CPU, NANO_CPU, type BenchModel, type EvalReply, type FinishReply, type ReadyReply, type TrainReply, type WorkerSettings } from './train-protocol.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.resolve(REPO, '../shared/data/tinyshakespeare.txt');
const SEED = 1337;

interface Plan {
  model: BenchModel;
  steps: number;
  chunk: number;
  evalBatches: number;
}

interface Flags {
  plans: Plan[];
  withTorch: boolean;
  torchSpin: boolean;
  threads: number;
}

function parseFlags(): Flags {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      'big-steps': { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      arch: { type: 'string', default: 'gpt2' },
      'no-torch': { type: 'boolean', default: false },
      'torch-spin': { type: 'boolean', default: false },
      threads: { type: 'string', default: '2' },
      chunk: { type: 'string' },
      'eval-batches': { type: 'string', default: '20' },
    },
  });
  const count = (text: string | undefined, fallback: number, flag: string): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`bench:train: --${flag} must be a whole number, got ${text}`);
    return value;
  };
  const steps = count(values.steps, values.quick ? 200 : 2000, 'steps');
  const bigSteps = count(values['big-steps'], values.quick ? 3 : 20, 'big-steps');
  const chunk = values.chunk === undefined ? undefined : count(values.chunk, 0, 'chunk');
  if (values.arch !== 'gpt2' && values.arch !== 'llama') throw new Error(`bench:train: --arch must be gpt2 or llama, got ${values.arch}`);
  const [nano, big] = values.arch === 'llama' ? [LLAMA_NANO_CPU, LLAMA_10M] : [NANO_CPU, GPT_10M];
  const plans: Plan[] = [
    { model: nano, steps, chunk: chunk ?? 100, evalBatches: count(values['eval-batches'], 20, 'eval-batches') },
    // The 10.7M run reports speed and memory only: 20 steps do not train it far enough for a meaningful val loss.
    { model: big, steps: bigSteps, chunk: chunk ?? 5, evalBatches: 0 },
  ].filter((plan) => plan.steps > 0 && (values.only === undefined || (values.only === '10m') === (plan.model === big)));
  return { plans, withTorch: !values['no-torch'], torchSpin: values['torch-spin'], threads: count(values.threads, 2, 'threads') };
}

function startWorkers(flags: Flags): JsonLinesWorker[] {
  const workers = [JsonLinesWorker.start('crucible', process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/train-crucible-worker.ts')])];
  const torchEnv: Record<string, string> = flags.torchSpin ? {} : { OMP_WAIT_POLICY: 'PASSIVE' };
  if (flags.withTorch) workers.push(JsonLinesWorker.start('pytorch', '/usr/bin/python3', [path.join(REPO, 'tools/torch_train_bench.py')], torchEnv));
  return workers;
}

async function benchmark(plan: Plan, flags: Flags): Promise<ImplementationResult[]> {
  const settings: WorkerSettings = { ...BENCH_HYPERPARAMETERS, model: plan.model, dataPath: DATA, decaySteps: plan.steps, threads: flags.threads, seed: SEED };
  const workers = startWorkers(flags);
  const ready = await Promise.all(workers.map((worker) => worker.request<ReadyReply>(settings)));
  const [first] = ready as [ReadyReply];
  if (ready.some((reply) => reply.vocabSize !== first.vocabSize || reply.trainTokens !== first.trainTokens)) {
    throw new Error(`bench:train: the workers read the corpus differently: ${JSON.stringify(ready)}`);
  }
  const { batchSize, blockSize } = plan.model;
  const nextStarts = windowStartSource(first.trainTokens, blockSize, SEED);
  const trained = workers.map((): TrainReply => ({ stepMs: [], losses: [] }));
  for (let firstStep = 0; firstStep < plan.steps; firstStep += plan.chunk) {
    const starts = Array.from({ length: Math.min(plan.chunk, plan.steps - firstStep) }, () => nextStarts(batchSize));
    // Alternate who goes first, so neither always runs right after the other's cache-polluting chunk.
    const order = (firstStep / plan.chunk) % 2 === 0 ? workers : [...workers].reverse();
    for (const worker of order) {
      const reply = await worker.request<TrainReply>({ cmd: 'train', firstStep, starts });
      const into = trained[workers.indexOf(worker)] as TrainReply;
      into.stepMs.push(...reply.stepMs);
      into.losses.push(...reply.losses);
    }
    const latest = workers.map((worker, index) => `${worker.label} ${(trained[index]?.losses.at(-1) ?? NaN).toFixed(3)}`).join(', ');
    console.error(`${plan.model.name}: step ${Math.min(firstStep + plan.chunk, plan.steps)}/${plan.steps}, loss ${latest}`);
  }
  const valStarts = windowStartSource(first.valTokens, blockSize, SEED + 1);
  const evalStarts = Array.from({ length: plan.evalBatches }, () => valStarts(batchSize));
  const evaluated: (EvalReply | null)[] = [];
  for (const worker of workers) evaluated.push(plan.evalBatches > 0 ? await worker.request<EvalReply>({ cmd: 'eval', starts: evalStarts }) : null);
  const finished: FinishReply[] = [];
  for (const worker of workers) {
    finished.push(await worker.request<FinishReply>({ cmd: 'finish' }));
    worker.close();
  }
  return workers.map((worker, index) =>
    summarize({ label: worker.label, model: plan.model, ready: ready[index] as ReadyReply, trained: trained[index] as TrainReply, evaluated: evaluated[index] ?? null, finished: finished[index] as FinishReply }),
  );
}

/** `--runner torch`: the end-to-end runner comparison (true when it ran); otherwise the lock-step comparison runs. */
async function runnerBench(): Promise<boolean> {
  const { values } = parseArgs({ options: { runner: { type: 'string' }, nproc: { type: 'string', default: '1,2' }, steps: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '2' } }, strict: false });
  if (values.runner === undefined || values.runner === 'onnxruntime') return false;
  if (values.runner !== 'torch') throw new Error(`bench:train: --runner must be torch (or onnxruntime, the default lock-step comparison), got ${values.runner}`);
  const whole = (text: unknown, flag: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`bench:train: --${flag} must be a whole number >= 1, got ${text}`);
    return value;
  };
  const nprocs = String(values.nproc).split(',').map((part) => whole(part, 'nproc'));
  await benchTorchRunner({ steps: whole(values.steps, 'steps'), nprocs, rounds: whole(values.rounds, 'rounds'), threads: whole(values.threads, 'threads') });
  return true;
}

async function main(): Promise<void> {
  if (await runnerBench()) return;
  const flags = parseFlags();
  const results: ImplementationResult[][] = [];
  for (const plan of flags.plans) results.push(await benchmark(plan, flags));
  console.log(formatResultTable(results, flags.threads, flags.torchSpin ? 'default spin-waiting' : 'OMP_WAIT_POLICY=PASSIVE'));
}

await main();
