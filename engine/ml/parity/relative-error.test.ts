// Checks the parity error measures on hand-made vectors: the floor for near-zero elements, NaN handling and the
// norm-wise measure.

import { describe, expect, it } from 'vitest';
import { FLOOR_FRACTION, maxRelativeError, normRelativeError } from './relative-error.ts';

describe('maxRelativeError', () => {
  it('divides by each element above the floor and reports the worst one', () => {
    const worst = maxRelativeError([1.01, -2, 4], [1, -2, 4.02]);
    expect(worst.index).toBe(0);
    expect(worst.error).toBeCloseTo(0.01, 12);
  });

  it('measures elements below the floor against FLOOR_FRACTION of the largest magnitude', () => {
    const tiny = 1e-9;
    const worst = maxRelativeError([2 * tiny, 10], [tiny, 10]);
    expect(worst.error).toBeCloseTo(tiny / (FLOOR_FRACTION * 10), 15);
  });

  it('treats NaN as an infinite error', () => {
    expect(maxRelativeError([Number.NaN, 1], [1, 1]).error).toBe(Infinity);
  });
});

describe('normRelativeError', () => {
  it('is the norm of the difference over the norm of the reference', () => {
    expect(normRelativeError([3, 4.5], [3, 4])).toBeCloseTo(0.5 / 5, 12);
    expect(normRelativeError([3, 4], [3, 4])).toBe(0);
  });

  it('treats NaN as an infinite error and rejects length mismatches', () => {
    expect(normRelativeError([Number.NaN], [1])).toBe(Infinity);
    expect(() => normRelativeError([1, 2], [1])).toThrow(/2 values compared with 1/);
  });
});
