// topRanked gives exactly the prefix of a full sort by (value descending, id ascending), ties and infinities included.
import { describe, expect, it } from 'vitest';
import { topRanked } from './top-ranked.ts';

function fullSortPrefix(values: Float64Array, count: number): number[] {
  return Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b).slice(0, count);
}

/** Deterministic values with many ties (a few distinct levels) or all distinct, and some -Infinity (banned ids). */
function valuesFor(seed: number, length: number, levels: number): Float64Array {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Float64Array.from({ length }, () => {
    const draw = next();
    if (draw < 0.05) return -Infinity;
    return levels > 0 ? Math.floor(next() * levels) : next() * 20 - 10;
  });
}

describe('topRanked', () => {
  it('matches a full sort for every count, with ties and without', () => {
    for (const [length, levels] of [[1, 0], [7, 3], [66, 0], [300, 5], [2000, 0], [5000, 40]] as const) {
      for (let seed = 1; seed <= 3; seed++) {
        const values = valuesFor(seed * 7919 + length, length, levels);
        for (const count of [0, 1, 2, 5, 40, 200, length - 1, length, length + 5]) {
          expect(topRanked(values, count), `length ${length}, levels ${levels}, count ${count}`).toEqual(fullSortPrefix(values, Math.max(0, count)));
        }
      }
    }
  });
});
