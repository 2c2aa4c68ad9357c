// A seeded random number generator so a request with a `seed` samples the same tokens every time: the engine's
// mulberry32 (engine/ml/tensor/random.ts). Not for secrets: API keys use node:crypto.
import { createRandom } from '../ml/tensor/random.ts';

/** Returns a function yielding floats in [0, 1), fully determined by `seed` (any safe integer). */
export function seededRandom(seed: number): () => number {
  // Fold the high bits in, so seeds that differ only above 2^32 still differ.
  return createRandom((Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0).uniform;
}
