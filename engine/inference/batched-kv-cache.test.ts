// The batched cache keeps each row right-aligned (left padding), masks the padding, re-pads when a longer row joins
// and trims columns only padding used when rows leave.
import { describe, expect, it } from 'vitest';
import { BatchedKvCache, type RowCache } from './batched-kv-cache.ts';

const geometry = { nLayer: 1, nHead: 2, headSize: 1 };

/** A (1, 2, L, 1) row whose values encode head and position: head h, position p → base + 10h + p. */
function row(length: number, base: number): RowCache {
  const data = Float32Array.from({ length: 2 * length }, (_, index) => base + 10 * Math.floor(index / length) + (index % length));
  return { keys: [data], values: [data.map((value) => -value)], length };
}

describe('BatchedKvCache', () => {
  it('left-pads shorter rows, masks the padding, and drops padding-only columns when rows leave', () => {
    const cache = new BatchedKvCache(geometry);
    cache.addRow(row(2, 100));
    cache.addRow(row(3, 200));
    expect(cache.pastLength).toBe(3);
    expect(cache.rowLengths).toEqual([2, 3]);
    const feeds = cache.stepFeeds();
    expect(feeds.pastKeys[0]!.shape).toEqual([2, 2, 3, 1]);
    expect(Array.from(feeds.pastKeys[0]!.data as Float32Array)).toEqual([0, 100, 101, 0, 110, 111, 200, 201, 202, 210, 211, 212]);
    expect(Array.from(feeds.pastValues[0]!.data as Float32Array).slice(0, 3)).toEqual([0, -100, -101]);
    expect(Array.from(feeds.attentionMask.data as BigInt64Array, Number)).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);

    cache.removeRows(new Set([1]));
    expect(cache.pastLength).toBe(2);
    expect(Array.from(cache.stepFeeds().pastKeys[0]!.data as Float32Array)).toEqual([100, 101, 110, 111]);
  });

  it('advances every row by one column with the decoder outputs', () => {
    const cache = new BatchedKvCache(geometry);
    cache.addRow(row(1, 5));
    const present = Float32Array.from([5, 7, 15, 17]);
    cache.advance([present], [present]);
    expect(cache.pastLength).toBe(2);
    expect(cache.rowLengths).toEqual([2]);
    expect(Array.from(cache.stepFeeds().attentionMask.data as BigInt64Array, Number)).toEqual([1, 1, 1]);
    cache.removeRows(new Set([0]));
    expect(cache.rowCount).toBe(0);
    expect(cache.pastLength).toBe(0);
  });
});
