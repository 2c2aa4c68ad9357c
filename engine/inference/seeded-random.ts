// A small seeded random number generator (mulberry32) so a request with a `seed` samples the same tokens every time.
// Not for secrets: API keys use node:crypto.

/** Returns a function yielding floats in [0, 1), fully determined by `seed` (any safe integer). */
export function seededRandom(seed: number): () => number {
  // Fold the high bits in, so seeds that differ only above 2^32 still differ.
  let state = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}
