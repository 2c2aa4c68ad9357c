// The sampler: greedy, top-k, top-p, bias, penalties and seeds.
import { describe, expect, it } from 'vitest';
import { adjustLogits, logSoftmax, pickToken, SamplingScratch, type SamplingSettings } from './sampling.ts';
import { SequenceSampler } from './sequence-sampler.ts';
import type { GenerationRequest } from './text-generator.ts';
import { seededRandom } from './seeded-random.ts';

const LOGITS = [2, 1.5, 1, 0.5, 0];
const plain: SamplingSettings = { temperature: 1, topP: 1, topK: 0, frequencyPenalty: 0, presencePenalty: 0, logitBias: new Map() };

function histogram(settings: SamplingSettings, draws = 4_000, seed = 1): number[] {
  const random = seededRandom(seed);
  const counts = LOGITS.map(() => 0);
  const adjusted = adjustLogits(LOGITS, settings, new Map());
  for (let i = 0; i < draws; i++) counts[pickToken(adjusted, settings, random)]!++;
  return counts;
}

describe('sampling', () => {
  it('is greedy at temperature 0 and with top_k 1', () => {
    expect(histogram({ ...plain, temperature: 0 })).toEqual([4_000, 0, 0, 0, 0]);
    expect(histogram({ ...plain, topK: 1 })).toEqual([4_000, 0, 0, 0, 0]);
  });

  it('samples in proportion to softmax at temperature 1', () => {
    const expected = [...logSoftmax(LOGITS)].map((logprob) => Math.exp(logprob) * 4_000);
    histogram(plain).forEach((count, tokenId) => expect(Math.abs(count - expected[tokenId]!)).toBeLessThan(120));
  });

  it('keeps only the top-k tokens and the top-p nucleus', () => {
    expect(histogram({ ...plain, topK: 2 }).slice(2)).toEqual([0, 0, 0]);
    // Softmax of LOGITS: 0.39, 0.24, 0.14, ... → a 0.5 nucleus needs the first two tokens.
    const nucleus = histogram({ ...plain, topP: 0.5 });
    expect(nucleus.slice(2)).toEqual([0, 0, 0]);
    expect(nucleus[1]).toBeGreaterThan(0);
  });

  it('bans and forces tokens with logit_bias', () => {
    expect(histogram({ ...plain, logitBias: new Map([[0, -100]]) })[0]).toBe(0);
    expect(histogram({ ...plain, logitBias: new Map([[4, 100]]) })[4]).toBe(4_000);
  });

  it('subtracts frequency and presence penalties for generated tokens only', () => {
    const adjusted = adjustLogits(LOGITS, { ...plain, frequencyPenalty: 0.5, presencePenalty: 1 }, new Map([[0, 3]]));
    expect([...adjusted]).toEqual([2 - 1.5 - 1, 1.5, 1, 0.5, 0]);
  });

  it('repeats exactly for a seed and differs across seeds', () => {
    const draws = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 30 }, () => pickToken(Float64Array.from(LOGITS), plain, random));
    };
    expect(draws(3)).toEqual(draws(3));
    expect(draws(3)).not.toEqual(draws(4));
  });

  it('draws the same tokens with reused buffers as with fresh ones, past the quickselect threshold', () => {
    let state = 7;
    const logits = Float32Array.from({ length: 5_000 }, () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 12 - 6);
    const scratch = new SamplingScratch();
    for (const settings of [plain, { ...plain, topK: 40 }, { ...plain, topP: 0.9, temperature: 0.7 }, { ...plain, topK: 200, topP: 0.95, temperature: 1.3 }]) {
      const fresh = seededRandom(11);
      const reused = seededRandom(11);
      const counts = new Map([[3, 2]]);
      for (let draw = 0; draw < 10; draw++) {
        const expected = pickToken(adjustLogits(logits, settings, counts), settings, fresh);
        expect(pickToken(adjustLogits(logits, settings, counts, scratch), settings, reused, scratch)).toBe(expected);
      }
    }
  });

  it('takes greedy tokens straight from the logits when nothing adjusts them, as the full path would', () => {
    const request: GenerationRequest = { promptTokens: [1], maxTokens: 50, temperature: 0, topP: 1, topK: 0, seed: 1, frequencyPenalty: 0, presencePenalty: 0, logitBias: new Map(), logprobs: false, topLogprobs: 0 };
    const fast = new SequenceSampler(request);
    const full = new SequenceSampler({ ...request, logprobs: true });
    let state = 3;
    for (let step = 0; step < 50; step++) {
      const logits = Float32Array.from({ length: 300 }, () => Math.floor(((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 40) / 4);
      expect(fast.next(logits).tokenId).toBe(full.next(logits).tokenId);
    }
    expect(fast.generatedCount).toBe(50);
  });
});
