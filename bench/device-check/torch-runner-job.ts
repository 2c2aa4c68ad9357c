// Prepares the torch runner's GPU check (torch-runner-check.sh) here, where Node and the data are: tinyshakespeare as
// char token shards and a JOB.json for nanoGPT's shakespeare-char GPU config (6/6/384, block 256, batch 64, dropout
// 0.2, 5000 iterations, lr 1e-3 → 1e-4, warmup 100, beta2 0.99), device cuda. Paths in the job are relative, so the
// folder runs wherever it is copied (the check runs the trainer from inside it). Usage:
//   node --import tsx bench/device-check/torch-runner-job.ts [OUT_DIR] [--precision float32|bf16] [--steps N]
// (default OUT_DIR: dist/device-check/torch-job, git-ignored: name dist/device-check in the device runner's `carry`; ~2.2 MB).

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeCharTokensArtifact } from '../../engine/ml/train/testing/char-tokens.ts';
import { gpt2Config } from '../../engine/ml/gpt2/config.ts';
import { torchJob, writeTorchJob } from '../../engine/torch-runner/job-file.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values, positionals } = parseArgs({ options: { precision: { type: 'string', default: 'float32' }, steps: { type: 'string', default: '5000' } }, allowPositionals: true });
if (values.precision !== 'float32' && values.precision !== 'bf16') throw new Error(`--precision must be float32 or bf16, got ${values.precision}`);
const out = path.resolve(positionals[0] ?? path.join(REPO, 'dist/device-check/torch-job'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tokens = writeCharTokensArtifact(path.join(out, 'tokens'), readFileSync(path.resolve(REPO, '../shared/data/tinyshakespeare.txt'), 'utf8'), 0.1);
const steps = Number(values.steps);
const settings = {
  nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2, bias: true,
  batchSize: 64, gradAccumSteps: 1, maxSteps: steps,
  learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 100, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, gradClip: 1,
  // nanoGPT evaluates every 250 iterations on 200 batches.
  evalInterval: 250, evalBatches: 200, checkpointInterval: 1000, seed: 1337, threads: 0,
};
const job = torchJob({
  kind: 'pretrain',
  settings,
  model: gpt2Config({ vocabSize: tokens.vocabSize, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2, bias: true }),
  init: null,
  lora: null,
  data: { train: 'tokens/train.bin', val: 'tokens/val.bin', dtype: 'uint16', trainMask: null, valMask: null },
  device: 'cuda',
  precision: values.precision,
  outDir: 'out',
});
console.log(`wrote ${writeTorchJob(out, job)} (${tokens.trainTokens} train / ${tokens.valTokens} val tokens, vocabulary ${tokens.vocabSize}, ${steps} steps, ${values.precision})`);
