// Sampling: temperature 0 is greedy, top-k never leaves the k best, draws follow the softmax and repeat per seed;
// generation runs past blockSize by re-reading the recent context.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { createRandom } from '../tensor/random.ts';
import { DecoderSession } from './decoder-session.ts';
import { generateIds, sampleToken } from './generate.ts';
import { buildDecoderModel } from './decoder-model.ts';

const logits = Float32Array.from([1, 3, 2, 0.5, 2.9]);

describe('sampleToken', () => {
  it('is greedy at temperature 0 and stays within the top k', () => {
    const random = createRandom(1);
    expect(sampleToken(logits, { temperature: 0, topK: 0 }, random)).toBe(1);
    const draws = Array.from({ length: 400 }, () => sampleToken(logits, { temperature: 1, topK: 2 }, random));
    expect(new Set(draws)).toEqual(new Set([1, 4]));
  });

  it('draws in proportion to softmax(logits / temperature), reproducibly per seed', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 4000 }, () => sampleToken(logits, { temperature: 2, topK: 0 }, random));
    };
    const draws = draw(7);
    expect(draw(7)).toEqual(draws);
    const weights = Array.from(logits, (logit) => Math.exp(logit / 2));
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((weight, id) => {
      const share = draws.filter((drawn) => drawn === id).length / draws.length;
      expect(Math.abs(share - weight / total)).toBeLessThan(0.03);
    });
  });
});

describe('generateIds', () => {
  it('generates past blockSize, stops at the stop id, and repeats for a seed', async () => {
    const config = gpt2Config({ vocabSize: 9, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 6 });
    const decoder = await DecoderSession.create(config, buildDecoderModel(config, initGpt2Parameters(config, 3)).toBytes());
    const options = { temperature: 1, topK: 0, maxNewTokens: 20 };
    const first = await generateIds(decoder, [1, 2], options, createRandom(5));
    expect(first).toHaveLength(20);
    expect(first.every((id) => id >= 0 && id < 9)).toBe(true);
    expect(await generateIds(decoder, [1, 2], options, createRandom(5))).toEqual(first);
    const stopId = first[3] as number;
    const stopped = await generateIds(decoder, [1, 2], { ...options, stopId }, createRandom(5));
    expect(stopped).toEqual(first.slice(0, first.indexOf(stopId) + 1));
    await expect(generateIds(decoder, [], options, createRandom(5))).rejects.toThrow(/prompt encodes to no tokens/);
    await decoder.release();
  });
});
