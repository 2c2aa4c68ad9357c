// Turns one step's logits into the next token, honouring OpenAI's sampling parameters. Runtimes share it, so
// every model samples the same way: bias and penalties first, then temperature, top-k, top-p.
import type { GenerationRequest, TokenAlternative } from './text-generator.ts';
import { topRanked } from './top-ranked.ts';

export type SamplingSettings = Pick<
  GenerationRequest,
  'temperature' | 'topP' | 'topK' | 'frequencyPenalty' | 'presencePenalty' | 'logitBias'
>;

/**
 * Adds `logit_bias` and subtracts OpenAI's penalties: frequency × (times the token was generated) and presence ×
 * (whether it was generated at all). `generatedCounts` covers the completion only, as OpenAI's do.
 */
export function adjustLogits(logits: ArrayLike<number>, settings: SamplingSettings, generatedCounts: ReadonlyMap<number, number>): Float64Array {
  const adjusted = Float64Array.from(logits);
  for (const [tokenId, bias] of settings.logitBias) {
    if (tokenId >= 0 && tokenId < adjusted.length) adjusted[tokenId]! += bias;
  }
  for (const [tokenId, count] of generatedCounts) {
    if (count > 0) adjusted[tokenId]! -= settings.frequencyPenalty * count + settings.presencePenalty;
  }
  return adjusted;
}

/** Natural-log probabilities of the logits. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logSum = max + Math.log(sum);
  return Float64Array.from(logits, (value) => value - logSum);
}

/**
 * Picks a token from adjusted logits. `random` yields floats in [0, 1). When neither top-k nor top-p cuts anything,
 * the draw walks the vocabulary in id order, so no sort is needed; otherwise it walks the kept ids most likely first.
 */
export function pickToken(adjusted: Float64Array, settings: SamplingSettings, random: () => number): number {
  if (settings.temperature === 0) return argmax(adjusted);
  const keepsAll = (settings.topK <= 0 || settings.topK >= adjusted.length) && settings.topP >= 1;
  const kept = keepsAll ? null : topRanked(adjusted, settings.topK > 0 ? settings.topK : adjusted.length);
  const weights = temperedSoftmax(kept === null ? adjusted : kept.map((tokenId) => adjusted[tokenId]!), settings.temperature);
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

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** softmax(logits / temperature), in the logits' order. */
function temperedSoftmax(logits: ArrayLike<number>, temperature: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  const weights = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += weights[i] = Math.exp(logits[i]! / temperature - max);
  for (let i = 0; i < weights.length; i++) weights[i]! /= sum;
  return weights;
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
