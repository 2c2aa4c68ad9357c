// `npm run bench:train -- --runner torch [--nproc 1,2] [--steps N] [--rounds R] [--threads N]`: the whole training
// runners end to end on nanoGPT's CPU config over char-level tinyshakespeare — Crucible's ONNX Runtime trainer
// (runMlJob, as the pretrain node runs it) and the PyTorch runner (engine/torch-runner, as `runner: torch` runs it)
// with 1 and 2 DDP ranks sharing the same threads. Rounds alternate the runners so machine load hits each alike;
// the table gives medians over rounds.
// tokens/s: training steps only (each runner's own step timing; startup, evaluation and export excluded).
// wall: the whole job (Python and process-group start, one evaluation, the model folder with its ONNX decoder).
// PyTorch: /usr/bin/python3 with torch (apt-get install -y python3-torch libopenblas0-pthread).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingStepReport } from '../app/artifacts/reports.ts';
import { runMlJob } from '../engine/ml/train/run-ml-job.ts';
import { writeCharTokensArtifact } from '../engine/ml/train/testing/char-tokens.ts';
import { tokensArtifactPaths } from '../engine/ml/train/tokens-artifact.ts';
import type { TrainingSettings } from '../engine/ml/train/training-settings.ts';
import { runTorchTraining } from '../engine/torch-runner/torch-training.ts';
import { median } from './median.ts';
import { BENCH_HYPERPARAMETERS, NANO_CPU } from './train-protocol.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.resolve(REPO, '../shared/data/tinyshakespeare.txt');
const PYTHON = '/usr/bin/python3';

export interface TorchRunnerBenchOptions {
  steps: number;
  nprocs: number[];
  rounds: number;
  threads: number;
}

interface RunResult {
  tokensPerSec: number;
  wallMs: number;
  loss: number;
  valLoss: number;
}

export async function benchTorchRunner(options: TorchRunnerBenchOptions): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'crucible-bench-torch-runner-'));
  try {
    const tokens = tokensArtifactPaths(writeCharTokensArtifact(path.join(work, 'tokens'), readFileSync(DATA, 'utf8'), 1 - BENCH_HYPERPARAMETERS.trainFraction).folder);
    const { nLayer, nHead, nEmbd, blockSize, batchSize } = NANO_CPU;
    const { trainFraction: _t, ...hyper } = BENCH_HYPERPARAMETERS;
    const settings: TrainingSettings = {
      ...hyper,
      nLayer, nHead, nEmbd, blockSize, batchSize,
      dropout: 0, bias: true, gradAccumSteps: 1, maxSteps: options.steps, seed: 1337, threads: options.threads,
      evalInterval: options.steps, evalBatches: 10, checkpointInterval: options.steps,
    };
    const runners = [{ label: 'onnxruntime', nproc: 1 }, ...options.nprocs.map((nproc) => ({ label: 'torch', nproc }))];
    const results = new Map<string, RunResult[]>(runners.map((runner) => [key(runner), []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? runners : [...runners].reverse();
      for (const runner of order) {
        const folder = path.join(work, `run-${round}-${key(runner)}`);
        const reports: TrainingStepReport[] = [];
        const started = performance.now();
        if (runner.label === 'onnxruntime') {
          await runMlJob(
            { kind: 'pretrain', training: { settings, trainShard: tokens.trainBase, valShard: tokens.valBase, checkpointDir: path.join(folder, 'checkpoints') }, export: { folder: path.join(folder, 'model'), tokenizerJsonPath: tokens.tokenizerJson, tokenizerConfigJsonPath: null, provenance: {} } },
            { onStep: (report) => reports.push(report) },
          );
        } else {
          await runTorchTraining(
            { settings, tokens, runDir: path.join(folder, 'run'), runner: { python: PYTHON, nprocPerNode: runner.nproc, nnodes: 1, precision: 'float32', device: 'cpu' }, export: { folder: path.join(folder, 'model'), tokenizerJsonPath: tokens.tokenizerJson, tokenizerConfigJsonPath: null, provenance: {} } },
            { signal: new AbortController().signal, onStep: (report) => reports.push(report), onLog: () => undefined },
          );
        }
        const last = reports.at(-1) as TrainingStepReport;
        const result = { tokensPerSec: last.tokensPerSec, wallMs: performance.now() - started, loss: last.loss, valLoss: last.valLoss ?? Number.NaN };
        results.get(key(runner))?.push(result);
        console.error(`round ${round + 1}/${options.rounds} ${key(runner)}: ${result.tokensPerSec.toFixed(0)} tokens/s, wall ${(result.wallMs / 1000).toFixed(1)} s, loss ${result.loss.toFixed(4)}, val ${result.valLoss.toFixed(4)}`);
        rmSync(folder, { recursive: true, force: true });
      }
    }
    const baseline = median((results.get('onnxruntime ×1') ?? []).map((result) => result.tokensPerSec));
    const rows = runners.map((runner) => {
      const runs = results.get(key(runner)) ?? [];
      const tokensPerSec = median(runs.map((result) => result.tokensPerSec));
      const threads = runner.label === 'onnxruntime' ? `${options.threads}` : `${Math.max(1, Math.floor(options.threads / runner.nproc))} × ${runner.nproc}`;
      return `| ${runner.label === 'onnxruntime' ? 'ONNX Runtime (Crucible)' : 'PyTorch runner'} | ${runner.nproc} | ${threads} | ${tokensPerSec.toFixed(0)} | ${(tokensPerSec / baseline).toFixed(2)}x | ${(median(runs.map((result) => result.wallMs)) / 1000).toFixed(1)} | ${median(runs.map((result) => result.loss)).toFixed(4)} | ${median(runs.map((result) => result.valLoss)).toFixed(4)} |`;
    });
    console.log(
      [
        `nanoGPT CPU config (4/4/128, block 64, batch 12), ${options.steps} steps, ${options.threads} threads in all, medians of ${options.rounds} round${options.rounds === 1 ? '' : 's'}`,
        '',
        '| runner | ranks | threads | tokens/s | vs ONNX Runtime | wall s | final loss | val loss |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function key(runner: { label: string; nproc: number }): string {
  return `${runner.label} ×${runner.nproc}`;
}
