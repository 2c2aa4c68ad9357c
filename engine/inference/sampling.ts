// Turns one step's logits into the next token, honouring OpenAI's sampling parameters. Runtimes share it, so
// every model samples the same way: bias and penalties first, then temperature, top-k, top-p.
import type { GenerationRequest, TokenAlternative } from './text-generator.ts';
import { topRanked } from './top-ranked.ts';

export type SamplingSettings = Pick<
  GenerationRequest,
  'temperature' | 'topP' | 'topK' | 'frequencyPenalty' | 'presencePenalty' | 'logitBias'
>;

/**
 * Buffers one sequence reuses from token to token (sequence-sampler.ts), so sampling a step allocates nothing the
 * size of the vocabulary. Each is grown to the length asked for and viewed at that length.
 */
export class SamplingScratch {
  #adjusted = new Float64Array(0);
  #weights = new Float64Array(0);
  #selection = new Float64Array(0);

  adjusted(length: number): Float64Array {
    if (this.#adjusted.length < length) this.#adjusted = new Float64Array(length);
    return this.#adjusted.subarray(0, length);
  }

  weights(length: number): Float64Array {
    if (this.#weights.length < length) this.#weights = new Float64Array(length);
    return this.#weights.subarray(0, length);
  }

  /** Room for topRanked's quickselect. */
  selection(length: number): Float64Array {
    if (this.#selection.length < length) this.#selection = new Float64Array(length);
    return this.#selection.subarray(0, length);
  }
}

/**
 * Adds `logit_bias` and subtracts OpenAI's penalties: frequency × (times the token was generated) and presence ×
 * (whether it was generated at all). `generatedCounts` covers the completion only, as OpenAI's do. Written into
 * `scratch`'s buffer when given (valid until its next use), else into a new array.
 */
export function adjustLogits(logits: ArrayLike<number>, settings: SamplingSettings, generatedCounts: ReadonlyMap<number, number>, scratch?: SamplingScratch): Float64Array {
  const adjusted = scratch ? scratch.adjusted(logits.length) : new Float64Array(logits.length);
  adjusted.set(logits);
  for (const [tokenId, bias] of settings.logitBias) {
    if (tokenId >= 0 && tokenId < adjusted.length) adjusted[tokenId]! += bias;
  }
  if (!penalizes(settings)) return adjusted;
  for (const [tokenId, count] of generatedCounts) {
    if (count > 0) adjusted[tokenId]! -= settings.frequencyPenalty * count + settings.presencePenalty;
  }
  return adjusted;
}

/** Whether the logits need no adjusting (no bias, no penalty): greedy decoding can then take their argmax as they are. */
export function adjustsNothing(settings: SamplingSettings): boolean {
  return settings.logitBias.size === 0 && !penalizes(settings);
}

/** Whether generated tokens change the logits (a frequency or presence penalty); without one the counts are not read. */
export function penalizes(settings: SamplingSettings): boolean {
  return settings.frequencyPenalty !== 0 || settings.presencePenalty !== 0;
}

/** Natural-log probabilities of the logits. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const logSum = logSumExp(logits);
  return Float64Array.from(logits, (value) => value - logSum);
}

/** log Σ exp(logit), shifted by the largest: a logit less this is its log probability (prompt-scoring.ts reads one at a time). */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/**
 * Picks a token from adjusted logits. `random` yields floats in [0, 1). When neither top-k nor top-p cuts anything,
 * the draw walks the vocabulary in id order, so no sort is needed; otherwise it walks the kept ids most likely first.
 * With `scratch` the weights live in its buffers; the draw is the same with or without.
 */
export function pickToken(adjusted: Float64Array, settings: SamplingSettings, random: () => number, scratch?: SamplingScratch): number {
  if (settings.temperature === 0) return argmax(adjusted);
  const keepsAll = (settings.topK <= 0 || settings.topK >= adjusted.length) && settings.topP >= 1;
  const kept = keepsAll ? null : topRanked(adjusted, settings.topK > 0 ? settings.topK : adjusted.length, scratch?.selection(adjusted.length));
  const count = kept === null ? adjusted.length : kept.length;
  const weights = scratch ? scratch.weights(count) : new Float64Array(count);
  if (kept === null) temperedSoftmax(adjusted, settings.temperature, weights);
  else {
    for (let index = 0; index < count; index++) weights[index] = adjusted[kept[index]!]!;
    temperedSoftmax(weights, settings.temperature, weights);
  }
  const index = drawIndex(weights, nucleusSize(weights, settings.topP), random());
  return kept === null ? index : kept[index]!;
}

/** The `count` most likely tokens under `logprobs`, most likely first. */
export function topAlternatives(logprobs: Float64Array, count: number, textOf: (tokenId: number) => string): TokenAlternative[] {
  if (count <= 0) return [];
  return topRanked(logprobs, count).map((tokenId) => ({ tokenId, text: textOf(tokenId), logprob: logprobs[tokenId]! }));
}

/** The first `count` weights' index that the draw lands in, each taking its share of their total. */
function drawIndex(weights: Float64Array, count: number, draw: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += weights[i]!;
  let remaining = draw * total;
  for (let i = 0; i < count; i++) {
    remaining -= weights[i]!;
    if (remaining < 0) return i;
  }
  return count - 1;
}

/** The first index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  let top = values[0]!;
  for (let i = 1; i < values.length; i++) {
    const value = values[i]!;
    if (value > top) {
      top = value;
      best = i;
    }
  }
  return best;
}

/** softmax(logits / temperature) into `weights` (which may be `logits` itself), in the logits' order. */
function temperedSoftmax(logits: Float64Array, temperature: number, weights: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += weights[i] = Math.exp(logits[i]! / temperature - max);
  for (let i = 0; i < weights.length; i++) weights[i]! /= sum;
}

/** How many of the (descending) weights the smallest prefix with mass ≥ topP needs; at least one. */
function nucleusSize(sortedWeights: Float64Array, topP: number): number {
  if (topP >= 1) return sortedWeights.length;
  let mass = 0;
  for (let i = 0; i < sortedWeights.length; i++) {
    mass += sortedWeights[i]!;
    if (mass >= topP) return i + 1;
  }
  return sortedWeights.length;
}
