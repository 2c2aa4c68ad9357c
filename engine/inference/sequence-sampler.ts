// One request's sampling state inside the decode loop: its own seeded random stream and generated-token counts, so
// the tokens it draws depend only on its own logits and seed, never on which other requests share the batch.
import { randomInt } from 'node:crypto';
import { adjustLogits, adjustsNothing, argmax, logSoftmax, penalizes, pickToken, SamplingScratch, topAlternatives } from './sampling.ts';
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
    return this.#generate(tokenId, adjusted);
  }

  /**
   * Speculative decoding (speculative-step.ts): the probabilities the next draw would use from one position's
   * logits, after `pending` more generated tokens (the penalties count them).
   */
  distribution(logits: Float32Array, pending: readonly number[]): Float64Array {
    // Only penalties read the counts: without one, no copy of them per position.
    let counts: ReadonlyMap<number, number> = this.#counts;
    if (pending.length > 0 && penalizes(this.#request)) {
      const withPending = new Map(this.#counts);
      for (const tokenId of pending) withPending.set(tokenId, (withPending.get(tokenId) ?? 0) + 1);
      counts = withPending;
    }
    return samplingDistribution(adjustLogits(logits, this.#request, counts, this.#scratch), this.#request);
  }

  /** A draw in [0, 1) from this request's own stream (speculative proposals and acceptance). */
  uniform(): number {
    return this.#random();
  }

  /** Counts `tokenId`, chosen from `logits` by speculative acceptance, as generated; with its logprobs as `next` gives. */
  record(tokenId: number, logits: Float32Array): SampledToken {
    return this.#generate(tokenId, this.#request.logprobs ? adjustLogits(logits, this.#request, this.#counts, this.#scratch) : null);
  }

  /** Counts `tokenId` as generated; with logprobs (from the adjusted logits it was chosen from) when asked for. */
  #generate(tokenId: number, adjusted: Float64Array | null): SampledToken {
    const request = this.#request;
    this.#counts.set(tokenId, (this.#counts.get(tokenId) ?? 0) + 1);
    this.#generated += 1;
    if (!request.logprobs || adjusted === null) return { tokenId };
    const logprobs = logSoftmax(adjusted);
    const topLogprobs = topAlternatives(logprobs, request.topLogprobs, () => '').map(({ tokenId: id, logprob }) => ({ tokenId: id, logprob }));
    return { tokenId, logprob: logprobs[tokenId]!, topLogprobs };
  }
}
