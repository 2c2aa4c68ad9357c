import { describe, expect, it } from 'vitest';
import { GrowableNumbers } from './growable-numbers.ts';

describe('GrowableNumbers', () => {
  it('grows past its first block, exact beyond 32 bits', () => {
    const list = new GrowableNumbers();
    const values = Array.from({ length: 3000 }, (_, index) => index * 3_000_000_001);
    for (const value of values) list.push(value);
    expect(list.length).toBe(3000);
    expect(list.at(2999)).toBe(values[2999]);
    expect(Array.from(list.view())).toEqual(values);
    expect(() => list.at(3000)).toThrow(/outside 0\.\.2999/);
  });
});
