// `npm run bench:finetune`: fine-tuning GPT-2 small's shape (124M, random weights) on this CPU, Crucible beside
// PyTorch: ms per step (median after warmup) and peak RSS for full fine-tuning and for LoRA, the goals checked.
// `--quality` runs the other half instead (bench/finetune-quality.ts): pretrain, import, fine-tune, val losses.
//
// Each implementation and method runs in its own process, one at a time (Crucible: finetune-crucible-worker.ts,
// PyTorch: tools/torch_finetune_bench.py under /usr/bin/python3 with OMP_WAIT_POLICY=PASSIVE as bench:train), so
// each peak RSS is that process's own. Both take the same shapes, threads, optimizer (AdamW, betas 0.9/0.999, eps
// 1e-8, decay 0.1 on >= 2-D tensors in full, none on LoRA adapters, clip 1.0) and random-token batches; dropout 0.
//
// Flags: --steps N (measured steps, default 3), --warmup N (default 2), --batch N (4), --time N (256), --threads N
// (2), --rank N (8), --alpha N (16), --targets attn.c_attn[,mlp.c_fc,...] (attn.c_attn), --only full|lora,
// --no-torch, --micro-batches N and --memory lean|arena (Crucible; default: what the trainer's memory planner picks),
// --layers N (12, to try smaller shapes quickly).

import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GPT2_LORA_TARGETS } from '../engine/ml/lora/index.ts';
import { GPT2_SMALL, type FinetuneMethod, type FinetuneWorkerResult, type FinetuneWorkerSettings } from './finetune-protocol.ts';
import { formatSpeedTable, type SpeedRow } from './finetune-report.ts';
import { median } from './median.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Flags {
  settings: Omit<FinetuneWorkerSettings, 'method'>;
  methods: FinetuneMethod[];
  withTorch: boolean;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      batch: { type: 'string', default: '4' },
      time: { type: 'string', default: '256' },
      threads: { type: 'string', default: '2' },
      rank: { type: 'string', default: '8' },
      alpha: { type: 'string', default: '16' },
      targets: { type: 'string', default: 'attn.c_attn' },
      only: { type: 'string' },
      'no-torch': { type: 'boolean', default: false },
      'micro-batches': { type: 'string' },
      memory: { type: 'string' },
      layers: { type: 'string', default: String(GPT2_SMALL.nLayer) },
    },
  });
  const count = (flag: keyof typeof values, minimum = 1): number => {
    const text = values[flag] as string;
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) throw new Error(`bench:finetune: --${flag} must be a whole number >= ${minimum}, got "${text}"`);
    return value;
  };
  const targets = values.targets.split(',').map((target) => target.trim());
  for (const target of targets) {
    if (!(GPT2_LORA_TARGETS as readonly string[]).includes(target)) throw new Error(`bench:finetune: --targets: "${target}" is not one of ${GPT2_LORA_TARGETS.join(', ')}`);
  }
  if (values.only !== undefined && values.only !== 'full' && values.only !== 'lora') throw new Error(`bench:finetune: --only takes full or lora, got "${values.only}"`);
  const time = count('time');
  if (time > GPT2_SMALL.blockSize) throw new Error(`bench:finetune: --time ${time} is longer than the model's context (${GPT2_SMALL.blockSize})`);
  return {
    settings: {
      model: { ...GPT2_SMALL, nLayer: count('layers') },
      batch: count('batch'),
      time,
      warmupSteps: count('warmup', 0),
      steps: count('steps'),
      threads: count('threads'),
      seed: 1337,
      learningRate: 2e-4,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.1,
      gradClip: 1,
      lora: { rank: count('rank'), alpha: Number(values.alpha), targets },
      microBatches: values['micro-batches'] === undefined ? null : count('micro-batches'),
      memory: values.memory === undefined ? null : memoryMode(values.memory),
    },
    methods: values.only === undefined ? ['full', 'lora'] : [values.only],
    withTorch: !values['no-torch'],
  };
}

function memoryMode(text: string): 'lean' | 'arena' {
  if (text !== 'lean' && text !== 'arena') throw new Error(`bench:finetune: --memory takes lean or arena, got "${text}"`);
  return text;
}

/** Runs one worker process to the end; its stderr (progress) passes through, its last stdout line is the result. */
function runWorker(command: string, args: string[], env: Record<string, string>): Promise<FinetuneWorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || last === '') {
        reject(new Error(`bench:finetune: ${command} ${args[args.length - 2] ?? ''} exited with ${signal ?? code}${code === 137 || signal === 'SIGKILL' ? ' (killed: out of memory?)' : ''}`));
        return;
      }
      resolve(JSON.parse(last) as FinetuneWorkerResult);
    });
  });
}

const loadAverage = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

async function measure(implementation: 'crucible' | 'pytorch', settings: FinetuneWorkerSettings): Promise<SpeedRow> {
  const loadBefore = loadAverage();
  console.error(`--- ${implementation} ${settings.method}: load average ${loadBefore}`);
  const result =
    implementation === 'crucible'
      ? await runWorker(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/finetune-crucible-worker.ts'), JSON.stringify(settings)], {})
      : await runWorker('/usr/bin/python3', [path.join(REPO, 'tools/torch_finetune_bench.py'), JSON.stringify(settings)], { OMP_WAIT_POLICY: 'PASSIVE' });
  const loadAfter = loadAverage();
  return { method: settings.method, result, medianMs: median(result.stepMs), medianCpuMs: median(result.cpuMs), tokensPerStep: settings.batch * settings.time, load: `${loadBefore} → ${loadAfter}` };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--quality')) {
    const { runQualityBench } = await import('./finetune-quality.ts');
    await runQualityBench(argv.filter((arg) => arg !== '--quality'));
    return;
  }
  const flags = parseFlags(argv);
  const rows: SpeedRow[] = [];
  for (const method of flags.methods) {
    const settings: FinetuneWorkerSettings = { ...flags.settings, method };
    rows.push(await measure('crucible', settings));
    if (flags.withTorch) rows.push(await measure('pytorch', settings));
  }
  console.log(formatSpeedTable(rows, flags.settings));
}

await main();
