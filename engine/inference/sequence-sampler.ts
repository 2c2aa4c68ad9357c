// One request's sampling state inside the decode loop: its own seeded random stream and generated-token counts, so
// the tokens it draws depend only on its own logits and seed, never on which other requests share the batch.
import { randomInt } from 'node:crypto';
import { adjustLogits, adjustsNothing, argmax, logSoftmax, pickToken, SamplingScratch, topAlternatives } from './sampling.ts';
import { seededRandom } from './seeded-random.ts';
import { samplingDistribution } from './speculative-sampling.ts';
import type { GenerationRequest } from './text-generator.ts';

/** A sampled token with the log probabilities asked for; alternatives carry ids only (text is added off-worker). */
export interface SampledToken {
  tokenId: number;
  logprob?: number;
  topLogprobs?: { tokenId: number; logprob: number }[];
}

export class SequenceSampler {
  readonly #request: GenerationRequest;
  readonly #random: () => number;
  readonly #counts = new Map<number, number>();
  readonly #scratch = new SamplingScratch();
  /** Greedy with nothing to adjust and no logprobs: the argmax of the raw logits, no copy, no softmax. */
  readonly #plainGreedy: boolean;
  #generated = 0;

  constructor(request: GenerationRequest) {
    this.#request = request;
    this.#random = seededRandom(request.seed ?? randomInt(2 ** 47));
    this.#plainGreedy = request.temperature === 0 && adjustsNothing(request) && !request.logprobs;
  }

  get generatedCount(): number {
    return this.#generated;
  }

  get maxTokens(): number {
    return this.#request.maxTokens;
  }

  /** Draws the next token from one position's logits (V values). */
  next(logits: Float32Array): SampledToken {
    const request = this.#request;
    if (this.#plainGreedy) {
      this.#generated += 1;
      return { tokenId: argmax(logits) };
    }
    const adjusted = adjustLogits(logits, request, this.#counts, this.#scratch);
    const tokenId = pickToken(adjusted, request, this.#random, this.#scratch);
    this.#counts.set(tokenId, (this.#counts.get(tokenId) ?? 0) + 1);
    this.#generated += 1;
    if (!request.logprobs) return { tokenId };
    const logprobs = logSoftmax(adjusted);
    const topLogprobs = topAlternatives(logprobs, request.topLogprobs, () => '').map(({ tokenId: id, logprob }) => ({ tokenId: id, logprob }));
    return { tokenId, logprob: logprobs[tokenId]!, topLogprobs };
  }

  /**
   * Speculative decoding (speculative-step.ts): the probabilities the next draw would use from one position's
   * logits, after `pending` more generated tokens (the penalties count them).
   */
  distribution(logits: Float32Array, pending: readonly number[]): Float64Array {
    const counts = new Map(this.#counts);
    for (const tokenId of pending) counts.set(tokenId, (counts.get(tokenId) ?? 0) + 1);
    return samplingDistribution(adjustLogits(logits, this.#request, counts), this.#request);
  }

  /** A draw in [0, 1) from this request's own stream (speculative proposals and acceptance). */
  uniform(): number {
    return this.#random();
  }

  /** Counts `tokenId`, chosen from `logits` by speculative acceptance, as generated; with its logprobs as `next` gives. */
  record(tokenId: number, logits: Float32Array): SampledToken {
    const request = this.#request;
    const adjusted = request.logprobs ? adjustLogits(logits, request, this.#counts) : null;
    this.#counts.set(tokenId, (this.#counts.get(tokenId) ?? 0) + 1);
    this.#generated += 1;
    if (adjusted === null) return { tokenId };
    const logprobs = logSoftmax(adjusted);
    const topLogprobs = topAlternatives(logprobs, request.topLogprobs, () => '').map(({ tokenId: id, logprob }) => ({ tokenId: id, logprob }));
    return { tokenId, logprob: logprobs[tokenId]!, topLogprobs };
  }
}
