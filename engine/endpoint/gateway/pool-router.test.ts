import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../inference/seeded-random.ts';
import { pickLeastLoaded } from './pool-router.ts';

describe('pickLeastLoaded', () => {
  it('takes the member with the fewest outstanding requests', () => {
    const members = [
      { name: 'a', outstanding: 3, weight: 1 },
      { name: 'b', outstanding: 1, weight: 1 },
      { name: 'c', outstanding: 2, weight: 1 },
    ];
    expect(pickLeastLoaded(members)?.name).toBe('b');
  });

  it('weighs load: a weight-2 member with 2 in flight beats a weight-1 member with 1', () => {
    // (2+1)/2 = 1.5 < (1+1)/1 = 2
    expect(pickLeastLoaded([{ name: 'light', outstanding: 1, weight: 1 }, { name: 'heavy', outstanding: 2, weight: 2 }])?.name).toBe('heavy');
  });

  it('spreads an idle pool by weight when requests accumulate', () => {
    const members = [
      { name: 'one', outstanding: 0, weight: 1 },
      { name: 'three', outstanding: 0, weight: 3 },
    ];
    for (let i = 0; i < 40; i++) pickLeastLoaded(members, seededRandom(i))!.outstanding++;
    expect(members.map((m) => m.outstanding)).toEqual([10, 30]);
  });

  it('breaks ties at random, reaching every tied member', () => {
    const members = ['a', 'b', 'c', 'd'].map((name) => ({ name, outstanding: 0, weight: 1 }));
    const random = seededRandom(7);
    const seen = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const name = pickLeastLoaded(members, random)!.name;
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const count of seen.values()) expect(count).toBeGreaterThan(60);
  });

  it('returns null when nobody is available', () => {
    expect(pickLeastLoaded([])).toBeNull();
  });
});
