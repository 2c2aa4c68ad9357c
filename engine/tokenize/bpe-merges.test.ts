// Checks BPE merge application: lowest rank first, leftmost on ties, and the heap path agreeing with the scan path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MergeTable, mergeWord } from './bpe-merges.ts';

// Symbols 0..2 are "a", "b", "c"; merges make 3 = ab, 4 = bc, 5 = ab+c, 6 = a+a.
const table = new MergeTable([
  [0, 1, 3],
  [1, 2, 4],
  [3, 2, 5],
  [0, 0, 6],
]);

describe('mergeWord', () => {
  it('applies the lowest-ranked pair first', () => {
    expect(mergeWord([0, 1, 2], table)).toEqual([5]);
    expect(mergeWord([1, 2, 0], table)).toEqual([4, 0]);
  });

  it('merges a repeated pair from the left', () => {
    expect(mergeWord([0, 0, 0], table)).toEqual([6, 0]);
  });

  it('leaves single symbols and unmergeable words alone', () => {
    expect(mergeWord([2], table)).toEqual([2]);
    expect(mergeWord([2, 0], table)).toEqual([2, 0]);
  });

  it('gives the same result on the heap path as on the scan path', () => {
    const randomMerges = fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { minLength: 1, maxLength: 30 });
    const words = fc.array(fc.nat(7), { maxLength: 120 });
    fc.assert(fc.property(randomMerges, words, (pairs, word) => {
      const merges = pairs.map(([left, right], rank) => [left, right, 8 + rank] as [number, number, number]);
      const randomTable = new MergeTable(merges);
      expect(mergeWord([...word], randomTable, 2)).toEqual(mergeWord([...word], randomTable, Number.POSITIVE_INFINITY));
    }), { numRuns: 500 });
  });
});
