// Tests that gradient accumulation is exact: two micro-batches of 2 rows give the same loss, gradient norm and
// weights as the fused step on the 4 rows joined, and that exported state restores an identical continuation.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import type { TrainBatch } from '../gpt2/train-step-session.ts';
import { createRandom } from '../tensor/random.ts';
import { createStepRunner } from './step-runner.ts';

const config = gpt2Config({ vocabSize: 11, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8 });
const optimizer = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 };

function randomRows(rows: number, time: number, seed: number): bigint[][] {
  const random = createRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: time + 1 }, () => BigInt(random.int(config.vocabSize))));
}

function batchOf(rows: bigint[][], time: number): TrainBatch {
  return {
    tokens: { dtype: 'int64', shape: [rows.length, time], data: BigInt64Array.from(rows.flatMap((row) => row.slice(0, time))) },
    targets: { dtype: 'int64', shape: [rows.length, time], data: BigInt64Array.from(rows.flatMap((row) => row.slice(1))) },
  };
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  a.forEach((value, index) => (worst = Math.max(worst, Math.abs(value - (b[index] as number)) / Math.max(Math.abs(b[index] as number), 1e-3))));
  return worst;
}

function withoutKeyPart(qkvBias: Float32Array): Float32Array {
  const C = config.nEmbd;
  return Float32Array.from([...qkvBias.subarray(0, C), ...qkvBias.subarray(2 * C)]);
}

describe('createStepRunner', () => {
  it('accumulating two micro-batches equals one fused step on the joined batch', async () => {
    const time = 6;
    const steps = [randomRows(4, time, 1), randomRows(4, time, 2)];
    const common = { time, dtype: 'float32' as const, optimizer, gradClip: 0.5, seed: 3 };
    const fused = await createStepRunner(config, { ...common, batch: 4, gradAccumSteps: 1 });
    const accumulating = await createStepRunner(config, { ...common, batch: 2, gradAccumSteps: 2 });
    for (const rows of steps) {
      const whole = await fused.step([batchOf(rows, time)], 1e-2);
      const parts = await accumulating.step([batchOf(rows.slice(0, 2), time), batchOf(rows.slice(2), time)], 1e-2);
      expect(parts.loss).toBeCloseTo(whole.loss, 5);
      expect(parts.gradNorm).toBeCloseTo(whole.gradNorm, 4);
      expect(whole.gradNorm).toBeGreaterThan(0.5); // so clipping took part
    }
    for (const [name, tensor] of fused.parameters) {
      let [ours, reference] = [accumulating.parameters.get(name)?.data as Float32Array, tensor.data as Float32Array];
      // The key bias shifts every score of a query alike, so softmax cancels it: its gradient is rounding noise,
      // which Adam scales up to full-size steps in either direction. Compare the query and value biases only.
      if (name.endsWith('c_attn.bias')) [ours, reference] = [withoutKeyPart(ours), withoutKeyPart(reference)];
      expect(maxRelativeDifference(ours, reference), name).toBeLessThan(1e-4);
    }
    await Promise.all([fused.release(), accumulating.release()]);
  });

  it('continues identically from exported state, dropout generator included', async () => {
    const time = 5;
    const batches = [1, 2, 3, 4].map((seed) => [batchOf(randomRows(2, time, seed), time), batchOf(randomRows(2, time, seed + 10), time)]);
    const dropoutConfig = { ...config, dropout: 0.2 };
    const options = { batch: 2, time, dtype: 'float32' as const, optimizer, gradClip: 1, seed: 9, gradAccumSteps: 2 };
    const straight = await createStepRunner(dropoutConfig, options);
    const losses: number[] = [];
    for (const micro of batches) losses.push((await straight.step(micro, 1e-2)).loss);
    const first = await createStepRunner(dropoutConfig, options);
    for (const micro of batches.slice(0, 2)) await first.step(micro, 1e-2);
    const resumed = await createStepRunner(dropoutConfig, { ...options, seed: 1234 });
    resumed.restoreState(first.exportState());
    const resumedLosses: number[] = [];
    for (const micro of batches.slice(2)) resumedLosses.push((await resumed.step(micro, 1e-2)).loss);
    expect(resumedLosses).toEqual(losses.slice(2));
    expect(resumed.stepCount).toBe(4);
    await Promise.all([straight.release(), first.release(), resumed.release()]);
  });
});
