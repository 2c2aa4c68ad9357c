// Measures peak RSS and speed of a few training steps of the 10.7M-parameter config (6 layers, 6 heads, 384 wide,
// block 256, batch 64) on char-level tinyshakespeare.
// Run: node --import tsx bench/train-memory-10m.ts [steps=3] [threads=0] [batchSize=64] [gradAccumSteps=1]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeCharTokensArtifact } from '../engine/ml/train/testing/char-tokens.ts';
import { shakespeareExcerpt } from '../engine/ml/train/testing/tiny-settings.ts';
import { trainGpt2 } from '../engine/ml/train/trainer.ts';

const steps = Number(process.argv[2] ?? 3);
const threads = Number(process.argv[3] ?? 0);
const batchSize = Number(process.argv[4] ?? 64);
const gradAccumSteps = Number(process.argv[5] ?? 1);
const folder = mkdtempSync(path.join(tmpdir(), 'crucible-mem-'));
try {
  const tokens = writeCharTokensArtifact(path.join(folder, 'tokens'), shakespeareExcerpt(Number.MAX_SAFE_INTEGER));
  const settings = {
    nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2, bias: true,
    batchSize, gradAccumSteps, maxSteps: steps, learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 100,
    weightDecay: 0.1, beta1: 0.9, beta2: 0.99, gradClip: 1, evalInterval: steps, evalBatches: 1, checkpointInterval: steps, seed: 1337, threads,
  };
  const started = performance.now();
  const result = await trainGpt2(
    { settings, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(folder, 'checkpoint') },
    { onLog: (line) => console.log(line), onStep: (report) => console.log(`step ${report.step}: loss ${report.loss.toFixed(4)}, ${Math.round(report.tokensPerSec)} tok/s${report.valLoss === undefined ? '' : `, val ${report.valLoss.toFixed(4)}`}`) },
  );
  const parameters = [...result.parameters.values()].reduce((total, tensor) => total + tensor.data.length, 0);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`parameters ${(parameters / 1e6).toFixed(2)}M (incl. position table), ${steps} steps + eval + checkpoint in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`peak RSS ${peakRssMiB.toFixed(0)} MiB (${(peakRssMiB / 1024).toFixed(2)} GiB); tokens/s ${Math.round(result.metrics.tokensPerSec ?? 0)}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
