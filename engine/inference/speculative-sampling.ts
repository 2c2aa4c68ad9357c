// Speculative sampling's arithmetic (Leviathan et al. 2023; Chen et al. 2023): a draft token x drawn from the draft's
// distribution q is kept with probability min(1, p(x)/q(x)) under the target's p; when it is not, the token is drawn
// from norm(max(0, p − q)). Every token kept or drawn is then distributed exactly as a draw from p. With greedy
// settings p and q are one-hot (at the argmax), so a proposal is kept exactly when it is the target's argmax and the
// correction is that argmax: greedy output is the target's own.
import { argmax, type SamplingSettings } from './sampling.ts';
import { topRanked } from './top-ranked.ts';

/**
 * The probabilities a draw with `settings` uses over the adjusted logits (bias and penalties already applied):
 * temperature, then top-k, then top-p, renormalised; zero outside what top-k/top-p keep; one-hot at the first
 * largest value for temperature 0. The same distribution sampling.ts's pickToken draws from.
 */
export function samplingDistribution(adjusted: Float64Array, settings: SamplingSettings): Float64Array {
  const probabilities = new Float64Array(adjusted.length);
  if (settings.temperature === 0) {
    probabilities[argmax(adjusted)] = 1;
    return probabilities;
  }
  const keepsAll = (settings.topK <= 0 || settings.topK >= adjusted.length) && settings.topP >= 1;
  const kept = keepsAll ? null : topRanked(adjusted, settings.topK > 0 ? settings.topK : adjusted.length);
  const count = kept === null ? adjusted.length : kept.length;
  const idAt = (index: number) => (kept === null ? index : kept[index]!);
  let max = -Infinity;
  for (let index = 0; index < count; index++) max = Math.max(max, adjusted[idAt(index)]! / settings.temperature);
  let total = 0;
  for (let index = 0; index < count; index++) total += probabilities[idAt(index)] = Math.exp(adjusted[idAt(index)]! / settings.temperature - max);
  // Top-p keeps the smallest most-likely-first prefix whose share of the mass reaches topP (kept is in that order).
  let nucleus = count;
  if (kept !== null && settings.topP < 1) {
    let mass = 0;
    for (let index = 0; index < count; index++) {
      mass += probabilities[idAt(index)]! / total;
      if (mass >= settings.topP) {
        nucleus = index + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let index = 0; index < nucleus; index++) keptTotal += probabilities[idAt(index)]!;
  for (let index = 0; index < count; index++) probabilities[idAt(index)] = index < nucleus ? probabilities[idAt(index)]! / keptTotal : 0;
  return probabilities;
}

/** The id a uniform draw `u` in [0, 1) lands on, walking the ids in order, each taking its share of the total. */
export function drawFrom(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let id = 0; id < weights.length; id++) total += weights[id]!;
  let remaining = u * total;
  let last = 0;
  for (let id = 0; id < weights.length; id++) {
    if (weights[id]! <= 0) continue;
    last = id;
    remaining -= weights[id]!;
    if (remaining < 0) return id;
  }
  return last;
}

/** Whether the draft's token `x` is kept, for a uniform draw `u` in [0, 1): u < p(x) / q(x). */
export function keepsProposal(target: Float64Array, draft: Float64Array, x: number, u: number): boolean {
  return u * draft[x]! < target[x]!;
}

/** The token drawn after a rejection: from norm(max(0, p − q)); from p itself if rounding left no mass. */
export function drawCorrection(target: Float64Array, draft: Float64Array, u: number): number {
  const residual = new Float64Array(target.length);
  let total = 0;
  for (let id = 0; id < target.length; id++) total += residual[id] = Math.max(0, target[id]! - draft[id]!);
  return drawFrom(total > 0 ? residual : target, u);
}
