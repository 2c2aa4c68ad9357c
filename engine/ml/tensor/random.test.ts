// Tests for the seeded random generator: reproducible per seed, and sane moments.

import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed).uniform);
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws normals with mean near 0 and variance near 1, and ints in range', () => {
    const random = createRandom(7);
    const samples = Array.from({ length: 20000 }, random.normal);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const ints = Array.from({ length: 1000 }, () => random.int(5));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4]));
  });
});
