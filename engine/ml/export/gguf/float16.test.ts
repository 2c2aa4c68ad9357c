import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from './float16.ts';

describe('float16', () => {
  it('converts known values exactly', () => {
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds up past the largest half: infinity
    expect(toFloat16Bits(1e9)).toBe(0x7c00);
    expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // halfway to zero: ties to even
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10: even (1)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: even (1+2^-9)
  });

  it('round-trips every half value', () => {
    const mismatches: number[] = [];
    for (let half = 0; half < 0x10000; half++) {
      const value = fromFloat16Bits(half);
      if (!Number.isNaN(value) && toFloat16Bits(value) !== half) mismatches.push(half);
    }
    expect(mismatches).toEqual([]);
  });

  it('picks the nearest half for random floats', () => {
    const positives = Array.from({ length: 0x7c00 }, (_, half) => fromFloat16Bits(half));
    let state = 12345;
    for (let trial = 0; trial < 5000; trial++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const value = Math.fround((state / 2 ** 31) * 2 ** ((trial % 40) - 25));
      const half = toFloat16Bits(value);
      const chosen = fromFloat16Bits(half);
      const error = Math.abs(chosen - value);
      const neighbours = [positives[half - 1], positives[half + 1]].filter((neighbour): neighbour is number => neighbour !== undefined);
      for (const neighbour of neighbours) expect(error).toBeLessThanOrEqual(Math.abs(neighbour - value));
    }
  });
});
