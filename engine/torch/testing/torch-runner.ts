// Test support for the PyTorch trainer (engine/torch/crucible_torch): whether /usr/bin/python3 has torch, tiny token
// shards with a learnable pattern (and a loss mask), JOB.json files, and running the package as one or more ranks
// while collecting the JSON-line events each rank 0 prints.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TokenShardWriter } from '../../tokenize/token-shard.ts';
import { createRandom } from '../../ml/tensor/random.ts';
import { freePort } from '../../free-port.ts';

export const PYTHON = '/usr/bin/python3';
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, '..');

/** Why the torch tests cannot run here, or null when /usr/bin/python3 imports torch and numpy. */
export function torchUnavailableReason(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} cannot be started (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} has no torch/numpy: ${probe.stderr.trim().split('\n').at(-1)} (apt install python3-torch)`;
  return null;
}

export interface Shards {
  train: string;
  val: string;
  trainMask: string;
  valMask: string;
  vocabSize: number;
}

/**
 * Train and val shards (uint16) of short phrases over `vocabSize` ids drawn from a fixed set, so a tiny model's loss
 * falls within a few steps; plus loss masks that train only the second half of each phrase (as a chat's assistant turns).
 */
export function writeTinyShards(dir: string, vocabSize = 32, phrases = 4000): Shards {
  const random = createRandom(7);
  const table = Array.from({ length: 12 }, () => Array.from({ length: 3 + random.int(5) }, () => random.int(vocabSize)));
  const ids: number[] = [];
  const mask: number[] = [];
  for (let index = 0; index < phrases; index++) {
    const phrase = table[random.int(table.length)] as number[];
    phrase.forEach((id, position) => {
      ids.push(id);
      mask.push(position >= phrase.length / 2 ? 1 : 0);
    });
  }
  const cut = Math.floor(ids.length * 0.9);
  const write = (name: string, from: number, to: number) => {
    const writer = new TokenShardWriter(path.join(dir, name), vocabSize, 'test-tokenizer');
    writer.append(ids.slice(from, to));
    writer.finish();
    writeFileSync(path.join(dir, `${name}.mask`), Uint8Array.from(mask.slice(from, to)));
  };
  write('train', 0, cut);
  write('val', cut, ids.length);
  return { train: path.join(dir, 'train.bin'), val: path.join(dir, 'val.bin'), trainMask: path.join(dir, 'train.mask'), valMask: path.join(dir, 'val.mask'), vocabSize };
}

/** The ONNX trainer's settings of the tiny runs (TrainingSettings), shared by the torch jobs below. */
export function tinySettings(overrides: Record<string, number | boolean> = {}) {
  return {
    nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, dropout: 0, bias: true,
    batchSize: 8, gradAccumSteps: 2, maxSteps: 12, learningRate: 3e-3, minLearningRate: 3e-4, warmupSteps: 3,
    weightDecay: 0.1, beta1: 0.9, beta2: 0.99, gradClip: 1, evalInterval: 6, evalBatches: 2, checkpointInterval: 6, seed: 1337, threads: 1,
    ...overrides,
  };
}

export interface JobOptions {
  shards: Shards;
  outDir: string;
  settings: ReturnType<typeof tinySettings>;
  masked?: boolean;
  kind?: 'pretrain' | 'finetune';
  init?: string | null;
  lora?: { rank: number; alpha: number; dropout: number; targets: string[] } | null;
  device?: 'cpu' | 'cuda';
  resume?: boolean;
  model?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

/** A JOB.json (version 1, as the Node launcher writes it) for the tiny settings; returns its path. */
export function writeJob(file: string, options: JobOptions): string {
  const { shards, settings } = options;
  const { nLayer, nHead, nEmbd, blockSize, dropout, bias, ...training } = settings;
  const job = {
    version: 1,
    kind: options.kind ?? 'pretrain',
    model: { architecture: 'gpt2', vocabSize: shards.vocabSize, nLayer, nHead, nEmbd, blockSize, dropout, bias, layerNormEpsilon: 1e-5, ...options.model },
    init: options.init ? { safetensors: options.init } : null,
    lora: options.lora ?? null,
    data: { train: shards.train, val: shards.val, dtype: 'uint16', trainMask: options.masked ? shards.trainMask : null, valMask: options.masked ? shards.valMask : null },
    training: { ...training, blockSize, dropout, adamEpsilon: 1e-8, ...options.training },
    device: options.device ?? 'cpu',
    precision: 'float32',
    outDir: options.outDir,
    resume: options.resume ?? true,
  };
  writeFileSync(file, `${JSON.stringify(job, null, 2)}\n`);
  return file;
}

export type TorchEvent = { event: string } & Record<string, unknown>;

export interface RunResult {
  code: number | null;
  events: TorchEvent[];
  stderr: string;
}

function collect(child: ChildProcess, onEvent?: (event: TorchEvent, child: ChildProcess) => void): Promise<RunResult> {
  const events: TorchEvent[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      const event = JSON.parse(line) as TorchEvent; // stdout carries events only: anything else fails the test
      events.push(event);
      onEvent?.(event, child);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, events, stderr }));
  });
}

/** Runs `python3 -m crucible_torch train --job JOB` as one process; `onEvent` may kill it (a crash mid-run). */
export function runTorchJob(
  job: string,
  onEvent?: (event: TorchEvent, child: ChildProcess) => void,
  env: Record<string, string> = {},
  onStart?: (child: ChildProcess) => void,
): Promise<RunResult> {
  const child = spawn(PYTHON, ['-m', 'crucible_torch', 'train', '--job', job], {
    env: { ...process.env, PYTHONPATH: PACKAGE_ROOT, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onStart?.(child);
  return collect(child, onEvent);
}

/**
 * Runs the job as `worldSize` ranks on this machine (gloo), as the launcher spawns them; returns each rank's result.
 * A rank that fails stops the others at once (as the launcher does), so the rest never wait for a dead peer.
 */
export async function runTorchRanks(job: string, worldSize: number): Promise<RunResult[]> {
  const port = await freePort();
  const children: ChildProcess[] = [];
  return Promise.all(
    Array.from({ length: worldSize }, (_, rank) => {
      const env = { RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
      return runTorchJob(job, undefined, env, (child) => children.push(child)).then((result) => {
        if (result.code !== 0) for (const other of children) other.kill('SIGKILL');
        return result;
      });
    }),
  );
}

export function eventsOf(result: RunResult, name: string): TorchEvent[] {
  return result.events.filter((event) => event.event === name);
}

export function lossesOf(result: RunResult): number[] {
  return eventsOf(result, 'step').map((event) => event.loss as number);
}
