// Trains a tiny GPT-2 through the step session on a small character corpus for 30 float32 steps and checks the loss
// falls; also checks that parameters, moments and the step count move as a training step should, and that the
// uncopied parameter views read the same values as the copies.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { hostTensor } from '../../tensor/host-tensor.ts';
import { createRandom, type Random } from '../../tensor/random.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { TrainStepSession } from './step-session.ts';
import type { TrainBatch } from './train-batch.ts';

const CORPUS = 'the quick brown fox jumps over the lazy dog. '.repeat(8) + 'a stitch in time saves nine. '.repeat(8);

function charBatches(text: string, batch: number, time: number, random: Random): { vocabSize: number; next: () => TrainBatch } {
  const vocabulary = [...new Set(text)].sort();
  const ids = [...text].map((char) => vocabulary.indexOf(char));
  return {
    vocabSize: vocabulary.length,
    next: () => {
      const tokens: number[] = [];
      const targets: number[] = [];
      for (let row = 0; row < batch; row++) {
        const start = random.int(ids.length - time - 1);
        tokens.push(...ids.slice(start, start + time));
        targets.push(...ids.slice(start + 1, start + time + 1));
      }
      return { tokens: hostTensor('int64', [batch, time], tokens), targets: hostTensor('int64', [batch, time], targets) };
    },
  };
}

describe('TrainStepSession', () => {
  it('lowers the loss on a tiny character corpus within 30 steps (float32, with dropout)', async () => {
    const [batch, time] = [8, 16];
    const data = charBatches(CORPUS, batch, time, createRandom(1));
    const config = gpt2Config({ vocabSize: data.vocabSize, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, dropout: 0.1 });
    const trainer = await TrainStepSession.create(gpt2Family(config), {
      batch,
      microBatches: 1,
      time,
      dtype: 'float32',
      optimizer: { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1 },
      gradClip: 1,
      seed: 1234,
    });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) losses.push((await trainer.step([data.next()], 1e-2)).loss);
    await trainer.release();
    expect(trainer.stepCount).toBe(30);
    expect(losses[0]).toBeGreaterThan(Math.log(data.vocabSize) - 0.3);
    expect(losses[0]).toBeLessThan(Math.log(data.vocabSize) + 0.3);
    const lastFive = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(lastFive, `losses: ${losses.map((loss) => loss.toFixed(3)).join(' ')}`).toBeLessThan(0.75 * (losses[0] as number));
  });

  it('updates every parameter and is reproducible for a seed', async () => {
    const [batch, time] = [2, 4];
    const config = gpt2Config({ vocabSize: 6, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8, dropout: 0.2 });
    const options = { batch, microBatches: 1, time, dtype: 'float32' as const, optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 1, seed: 7 };
    const runTwoSteps = async () => {
      const data = charBatches('abcdefabcdefaabbccddeeff', batch, time, createRandom(2));
      const trainer = await TrainStepSession.create(gpt2Family(config), options);
      const before = trainer.parameters;
      const results = [await trainer.step([data.next()], 1e-3), await trainer.step([data.next()], 1e-3)];
      const after = trainer.parameters;
      for (const [name, view] of trainer.parameterViews) expect(view.data, name).toEqual(after.get(name)?.data);
      await trainer.release();
      return { before, after, results };
    };
    const first = await runTwoSteps();
    const second = await runTwoSteps();
    expect(second.results).toEqual(first.results);
    for (const [name, tensor] of first.after) {
      expect(Array.from(tensor.data as Float32Array), name).not.toEqual(Array.from(first.before.get(name)?.data as Float32Array));
    }
    expect(first.results[0]?.gradNorm).toBeGreaterThan(0);
  });

  it('refuses a step with another number of micro-batches than it was built for, and frozen weights it was not given', async () => {
    const config = gpt2Config({ vocabSize: 6, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8 });
    const options = { batch: 2, microBatches: 2, time: 4, dtype: 'float32' as const, optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 1, seed: 7 };
    const trainer = await TrainStepSession.create(gpt2Family(config), options);
    const batch = charBatches('abcdefabcdefaabbccddeeff', 2, 4, createRandom(2)).next();
    await expect(trainer.step([batch], 1e-3)).rejects.toThrow(/train step: got 1 micro-batches, the session was built for 2/);
    await trainer.release();
    const initialParameters = new Map([...gpt2Family(config).initParameters(7, 'float32')].filter(([name]) => name !== 'transformer.wpe.weight'));
    await expect(TrainStepSession.create(gpt2Family(config), { ...options, initialParameters, trainable: ['transformer.ln_f.weight'] })).rejects.toThrow(/frozen parameter "transformer.wpe.weight" is missing from the initial parameters/);
  });
});
