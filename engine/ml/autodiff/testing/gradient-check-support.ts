// Shared pieces for the gradient-rule tests: random inputs of random small shapes, and a vitest
// helper that checks each case against central finite differences for several seeds.

import { expect, it } from 'vitest';
import { hostTensor, elementCountOf, type HostTensor } from '../../tensor/host-tensor.ts';
import type { Random } from '../../tensor/random.ts';
import { checkGradients, type GradientCheckCase } from '../gradient-check.ts';

/** Relative tolerance for float64 central differences with h = 1e-6. */
export const GRADIENT_TOLERANCE = 1e-6;

export function randomDim(random: Random, min = 1, max = 4): number {
  return min + random.int(max - min + 1);
}

/** float64 values: standard normal, or uniform in [low, high) when a range is given (e.g. positive inputs). */
export function randomFloat64(random: Random, shape: readonly number[], range?: { low: number; high: number }): HostTensor {
  const draw = range === undefined ? random.normal : () => range.low + (range.high - range.low) * random.uniform();
  return hostTensor('float64', shape, Array.from({ length: elementCountOf(shape) }, draw));
}

export function randomInt64(random: Random, shape: readonly number[], maxExclusive: number): HostTensor {
  return hostTensor('int64', shape, Array.from({ length: elementCountOf(shape) }, () => random.int(maxExclusive)));
}

export function randomBool(random: Random, shape: readonly number[]): HostTensor {
  return hostTensor('bool', shape, Array.from({ length: elementCountOf(shape) }, () => (random.uniform() < 0.5 ? 1 : 0)));
}

/** `count` distinct integers from [0, maxExclusive), in random order. */
export function distinctInts(random: Random, count: number, maxExclusive: number): number[] {
  const pool = Array.from({ length: maxExclusive }, (_, index) => index);
  for (let index = pool.length - 1; index > 0; index--) {
    const swapWith = random.int(index + 1);
    [pool[index], pool[swapWith]] = [pool[swapWith] as number, pool[index] as number];
  }
  return pool.slice(0, count);
}

/** One vitest case per (gradient case, seed); each seed draws new shapes and values. */
export function itMatchesFiniteDifferences(cases: readonly GradientCheckCase[], seeds: readonly number[] = [11, 29]): void {
  const trials = cases.flatMap((testCase) => seeds.map((seed) => ({ testCase, seed })));
  it.each(trials)('$testCase.name (seed $seed)', async ({ testCase, seed }) => {
    const result = await checkGradients(testCase, { seed });
    expect(result.elementsChecked).toBeGreaterThan(0);
    expect(result.maxError, `${testCase.name} on ${result.shapes}: ${JSON.stringify(result.worst)}`).toBeLessThan(GRADIENT_TOLERANCE);
  });
}
