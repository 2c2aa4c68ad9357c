// Tests that gradient accumulation is exact: two micro-batches of 2 rows give the same loss, gradient norm and
// weights as the fused step on the 4 rows joined (distillation too), and exported state continues identically.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { TrainStepSession, type TrainStepSessionOptions } from './step-session.ts';
import type { TrainBatch } from './train-batch.ts';

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

/** Random log_softmax rows (B*T, V), as a teacher would give them. */
function teacherLogProbs(rows: number, seed: number): HostTensor {
  const random = createRandom(seed);
  const data = new Float32Array(rows * config.vocabSize);
  for (let row = 0; row < rows; row++) {
    const logits = Array.from({ length: config.vocabSize }, () => 2 * random.normal());
    const logSum = Math.log(logits.reduce((sum, value) => sum + Math.exp(value), 0));
    logits.forEach((value, column) => (data[row * config.vocabSize + column] = value - logSum));
  }
  return { dtype: 'float32', shape: [rows, config.vocabSize], data };
}

/** The rows [from, to) of a batch, teacher rows included. */
function rowsOf(batch: TrainBatch, from: number, to: number, time: number): TrainBatch {
  const slice = (tensor: HostTensor, width: number): HostTensor => ({ ...tensor, shape: [to - from, ...tensor.shape.slice(1)], data: tensor.data.slice(from * width, to * width) });
  const part: TrainBatch = { tokens: slice(batch.tokens, time), targets: slice(batch.targets, time) };
  if (batch.teacherLogProbs !== undefined) part.teacherLogProbs = { ...slice(batch.teacherLogProbs, time * config.vocabSize), shape: [(to - from) * time, config.vocabSize] };
  return part;
}

const create = (options: Omit<TrainStepSessionOptions, 'optimizer' | 'dtype'>) => TrainStepSession.create(gpt2Family(config), { ...options, optimizer, dtype: 'float32' });

describe('gradient accumulation', () => {
  for (const [label, distillation] of [['plain', undefined], ['distillation', { temperature: 2, alpha: 0.5 }]] as const) {
    it(`two micro-batches equal one fused step on the joined batch (${label})`, async () => {
      const time = 6;
      const steps = [1, 2].map((seed): TrainBatch => ({ ...batchOf(randomRows(4, time, seed), time), ...(distillation === undefined ? {} : { teacherLogProbs: teacherLogProbs(4 * time, seed + 5) }) }));
      const common = { time, gradClip: 0.5, seed: 3, distillation };
      const fused = await create({ ...common, batch: 4, microBatches: 1 });
      const accumulating = await create({ ...common, batch: 2, microBatches: 2 });
      for (const batch of steps) {
        const whole = await fused.step([batch], 1e-2);
        const parts = await accumulating.step([rowsOf(batch, 0, 2, time), rowsOf(batch, 2, 4, time)], 1e-2);
        expect(parts.loss).toBeCloseTo(whole.loss, 5);
        expect(parts.gradNorm).toBeCloseTo(whole.gradNorm, 4);
        expect(whole.gradNorm).toBeGreaterThan(0.5); // so clipping took part
        expect(parts.distillation === undefined).toBe(distillation === undefined);
        if (whole.distillation !== undefined) {
          expect(parts.distillation?.kdLoss).toBeCloseTo(whole.distillation.kdLoss, 5);
          expect(parts.distillation?.ceLoss).toBeCloseTo(whole.distillation.ceLoss, 5);
        }
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
  }

  for (const microBatches of [1, 2]) {
    it(`continues bit for bit from exported state, dropout generator included (${microBatches} micro-batches)`, async () => {
      const time = 5;
      const batches = [1, 2, 3, 4].map((seed) => Array.from({ length: microBatches }, (_, index) => batchOf(randomRows(2, time, seed + 10 * index), time)));
      const dropoutConfig = { ...config, dropout: 0.2 };
      const options = { batch: 2, microBatches, time, dtype: 'float32' as const, optimizer, gradClip: 1, seed: 9 };
      const straight = await TrainStepSession.create(gpt2Family(dropoutConfig), options);
      const results = [];
      for (const micro of batches) results.push(await straight.step(micro, 1e-2));
      const first = await TrainStepSession.create(gpt2Family(dropoutConfig), options);
      for (const micro of batches.slice(0, 2)) await first.step(micro, 1e-2);
      const resumed = await TrainStepSession.create(gpt2Family(dropoutConfig), { ...options, seed: 1234 });
      resumed.restoreState(first.exportState());
      const resumedResults = [];
      for (const micro of batches.slice(2)) resumedResults.push(await resumed.step(micro, 1e-2));
      expect(resumedResults).toEqual(results.slice(2));
      expect(resumed.stepCount).toBe(4);
      expect(resumed.exportState().tensors).toEqual(straight.exportState().tensors);
      await Promise.all([straight.release(), first.release(), resumed.release()]);
    });
  }
});
