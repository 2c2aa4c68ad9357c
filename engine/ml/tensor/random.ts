// A small seeded random generator (mulberry32) with uniform, normal and integer draws.
// Used for weight init, dropout masks and test data, so a seed always gives the same numbers.

export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** The generator's position: createRandom(snapshot()) continues the same sequence (for checkpoints). */
  snapshot(): number;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal: () => {
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      return radius * Math.cos(2 * Math.PI * uniform());
    },
    int: (maxExclusive) => Math.floor(uniform() * maxExclusive),
    snapshot: () => state,
  };
}
