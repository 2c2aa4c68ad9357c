// The slot cache keeps each row's tokens in its first slots, writes a step's new token in place, grows and shrinks
// its slots by whole chunks without moving data within a row, and removes rows by swapping in the last one.
import { describe, expect, it } from 'vitest';
import { SlotKvCache, swapRemove, type RowCache } from './slot-kv-cache.ts';

const geometry = { nLayer: 1, nKvHead: 2, headDim: 1 };
const limits = { maxRows: 3, maxSlots: 8, slotChunk: 4 };

/** A (1, 2, L, 1) row whose values encode head and position: head h, position p → base + 10h + p. */
function row(length: number, base: number): RowCache {
  const data = Float32Array.from({ length: 2 * length }, (_, index) => base + 10 * Math.floor(index / length) + (index % length));
  return { keys: [data], values: [data.map((value) => -value)], length };
}

/** The cache's keys, (B, H, P, D) with D = 1 here, as nested arrays [row][head] of P slots. */
function keysOf(cache: SlotKvCache): number[][][] {
  const { pastKeys } = cache.stepFeeds();
  const [rows, heads, slots] = pastKeys[0]!.shape as [number, number, number, number];
  const data = Array.from(pastKeys[0]!.data as Float32Array);
  return Array.from({ length: rows }, (_, r) => Array.from({ length: heads }, (_, h) => data.slice((r * heads + h) * slots, (r * heads + h + 1) * slots)));
}

/** One step's new (B, 2, 1, 1) keys, `base + 10h + 99` for row r's base. */
function newToken(bases: number[]): Float32Array {
  return Float32Array.from(bases.flatMap((base) => [base + 99, base + 109]));
}

/**
 * The step decoder's (B, 2·L·K, S, D) output for one layer's (B, K, S, D) `keys` and `values`: each row's keys,
 * then its values.
 */
function stepOutput(keys: Float32Array, values: Float32Array, rows: number): Float32Array {
  const perRow = keys.length / rows;
  return Float32Array.from({ length: 2 * keys.length }, (_, index) => {
    const row = Math.floor(index / (2 * perRow));
    const within = index % (2 * perRow);
    return within < perRow ? keys[row * perRow + within]! : values[row * perRow + within - perRow]!;
  });
}

describe('SlotKvCache', () => {
  it('fills each row from its first slot, zeroes the rest, and masks only filled slots', () => {
    const cache = new SlotKvCache(geometry, limits);
    cache.addRow(row(2, 100));
    cache.addRow(row(1, 200));
    expect(cache.slotCount).toBe(4);
    expect(keysOf(cache)).toEqual([
      [[100, 101, 0, 0], [110, 111, 0, 0]],
      [[200, 0, 0, 0], [210, 0, 0, 0]],
    ]);
    const feeds = cache.stepFeeds();
    expect(feeds.pastValues[0]!.shape).toEqual([2, 2, 4, 1]);
    expect(feeds.pastKeys[0]!.shape).toEqual([2, 2, 4, 1]);
    expect(Array.from(feeds.pastValues[0]!.data as Float32Array).slice(0, 4)).toEqual([-100, -101, 0, 0]);
    expect(Array.from(feeds.pastMask.data as BigInt64Array, Number)).toEqual([1, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('writes each new token at its row’s own length and grows by a chunk when a row runs out of slots', () => {
    const cache = new SlotKvCache(geometry, limits);
    cache.addRow(row(3, 100));
    cache.addRow(row(1, 200));
    const negated = (data: Float32Array) => data.map((value) => -value);
    cache.append(stepOutput(newToken([100, 200]), negated(newToken([100, 200])), 2));
    expect(cache.rowLengths).toEqual([4, 2]);
    expect(cache.slotCount).toBe(4);
    cache.append(stepOutput(newToken([1000, 2000]), negated(newToken([1000, 2000])), 2));
    expect(cache.rowLengths).toEqual([5, 3]);
    expect(cache.slotCount).toBe(8);
    expect(keysOf(cache)).toEqual([
      [[100, 101, 102, 199, 1099, 0, 0, 0], [110, 111, 112, 209, 1109, 0, 0, 0]],
      [[200, 299, 2099, 0, 0, 0, 0, 0], [210, 309, 2109, 0, 0, 0, 0, 0]],
    ]);
    expect(Array.from(cache.stepFeeds().pastValues[0]!.data as Float32Array).slice(0, 5)).toEqual([-100, -101, -102, -199, -1099]);
  });

  it('moves the last row into a leaving row’s place and shrinks when the longest row leaves', () => {
    const cache = new SlotKvCache(geometry, limits);
    cache.addRow(row(5, 100));
    cache.addRow(row(1, 200));
    cache.addRow(row(2, 300));
    expect(cache.slotCount).toBe(8);
    cache.removeRows(new Set([0]));
    expect(cache.rowLengths).toEqual([2, 1]);
    expect(cache.slotCount).toBe(4);
    expect(keysOf(cache)).toEqual([
      [[300, 301, 0, 0], [310, 311, 0, 0]],
      [[200, 0, 0, 0], [210, 0, 0, 0]],
    ]);
    cache.removeRows(new Set([0, 1]));
    expect(cache.rowCount).toBe(0);
  });

  it('keeps its slots while the rows left need more than half of them', () => {
    const cache = new SlotKvCache(geometry, { ...limits, maxSlots: 12 });
    cache.addRow(row(11, 100));
    cache.addRow(row(5, 200));
    expect(cache.slotCount).toBe(12);
    cache.removeRows(new Set([0]));
    expect(cache.slotCount).toBe(12); // 6 slots needed: 8 would be a chunk multiple, but not half of 12
    expect(keysOf(cache)[0]![1]!.slice(0, 6)).toEqual([210, 211, 212, 213, 214, 0]);
  });

  it('allocates rows as they join, up to its limit, and gives memory back when most leave', () => {
    const cache = new SlotKvCache(geometry, { ...limits, maxRows: 6 });
    expect(cache.rowCapacity).toBe(1);
    for (let index = 0; index < 6; index++) cache.addRow(row(2, 100 * (index + 1)));
    expect(cache.rowCapacity).toBe(6);
    expect(keysOf(cache).map((heads) => heads[1]!.slice(0, 2))).toEqual([1, 2, 3, 4, 5, 6].map((base) => [100 * base + 10, 100 * base + 11]));
    cache.removeRows(new Set([0, 1, 2, 3, 4]));
    expect(cache.rowCapacity).toBe(3);
    expect(keysOf(cache)).toEqual([[[600, 601, 0, 0], [610, 611, 0, 0]]]);
  });

  it('stores keys and values as (B, H, P, D), through growth and appends', () => {
    const wide = { nLayer: 1, nKvHead: 1, headDim: 2 };
    const cache = new SlotKvCache(wide, { maxRows: 2, maxSlots: 8, slotChunk: 4 });
    // One head, two features: position p holds key (10p, 10p + 1) and value (-10p, -10p - 1).
    cache.addRow({ keys: [Float32Array.from([0, 1, 10, 11, 20, 21])], values: [Float32Array.from([0, -1, -10, -11, -20, -21])], length: 3 });
    cache.append(Float32Array.from([30, 31, -30, -31]));
    cache.append(Float32Array.from([40, 41, -40, -41])); // grows to 8 slots
    const { pastKeys, pastValues } = cache.stepFeeds();
    expect(pastKeys[0]!.shape).toEqual([1, 1, 8, 2]);
    expect(Array.from(pastKeys[0]!.data as Float32Array)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 0, 0, 0, 0, 0, 0]);
    expect(pastValues[0]!.shape).toEqual([1, 1, 8, 2]);
    expect(Array.from(pastValues[0]!.data as Float32Array).slice(0, 10)).toEqual([0, -1, -10, -11, -20, -21, -30, -31, -40, -41]);
  });

  it('gives a row back as addRow takes it, with its appended tokens (rowCache)', () => {
    const wide = { nLayer: 1, nKvHead: 2, headDim: 2 };
    const cache = new SlotKvCache(wide, { maxRows: 2, maxSlots: 8, slotChunk: 4 });
    // Head h, position p holds key (100h + 10p, 100h + 10p + 1) and the negated value.
    const keysAt = (length: number) => Float32Array.from({ length: 2 * length * 2 }, (_, index) => 100 * Math.floor(index / (2 * length)) + 10 * Math.floor((index % (2 * length)) / 2) + (index % 2));
    cache.addRow({ keys: [keysAt(2)], values: [keysAt(2).map((value) => -value)], length: 2 });
    cache.addRow({ keys: [keysAt(3)], values: [keysAt(3).map((value) => -value)], length: 3 });
    const step = Float32Array.from([20, 21, 120, 121, 30, 31, 130, 131]); // (B, K, 1, D): row 0 at p = 2, row 1 at p = 3
    cache.append(stepOutput(step, step.map((value) => -value), 2));
    expect(cache.rowCache(0)).toEqual({ keys: [keysAt(3)], values: [keysAt(3).map((value) => -value)], length: 3 });
    expect(cache.rowCache(1)).toEqual({ keys: [keysAt(4)], values: [keysAt(4).map((value) => -value)], length: 4 });
    expect(() => cache.rowCache(2)).toThrow(/no row 2/);
  });

  it('takes every layer’s keys and values from the one step output, layer by layer within each row', () => {
    const layered = { nLayer: 2, nKvHead: 1, headDim: 1 };
    const cache = new SlotKvCache(layered, { maxRows: 2, maxSlots: 4, slotChunk: 4 });
    const one = (key: number) => ({ keys: [Float32Array.of(key), Float32Array.of(key + 1)], values: [Float32Array.of(-key), Float32Array.of(-key - 1)], length: 1 });
    cache.addRow(one(10));
    cache.addRow(one(20));
    // Row 0: layer 0 key 1, value -1, layer 1 key 2, value -2; row 1 likewise from 3.
    cache.append(Float32Array.from([1, -1, 2, -2, 3, -3, 4, -4]));
    const { pastKeys, pastValues } = cache.stepFeeds();
    expect(pastKeys.map((layer) => Array.from(layer.data as Float32Array))).toEqual([
      [10, 1, 0, 0, 20, 3, 0, 0],
      [11, 2, 0, 0, 21, 4, 0, 0],
    ]);
    expect(pastValues.map((layer) => Array.from(layer.data as Float32Array))).toEqual([
      [-10, -1, 0, 0, -20, -3, 0, 0],
      [-11, -2, 0, 0, -21, -4, 0, 0],
    ]);
    expect(() => cache.append(Float32Array.from([1, 2, 3]))).toThrow(/2 rows of 1 new tokens need 8 key and value floats, got 3/);
  });

  it('refuses a row beyond its row limit and a row longer than the context', () => {
    const cache = new SlotKvCache(geometry, { ...limits, maxRows: 1 });
    expect(() => cache.addRow(row(9, 0))).toThrow(/a row of 9 tokens is longer than the model's context of 8/);
    cache.addRow(row(1, 0));
    expect(() => cache.addRow(row(1, 0))).toThrow(/already holds 1 rows/);
  });
});

describe('swapRemove', () => {
  it('fills each gap with the current last item, as the cache moves its rows', () => {
    expect(swapRemove(['a', 'b', 'c', 'd'], new Set([0, 2]))).toEqual(['d', 'b']);
    expect(swapRemove(['a', 'b', 'c', 'd'], new Set([1, 3]))).toEqual(['a', 'c']);
    expect(swapRemove(['a', 'b'], new Set([0, 1]))).toEqual([]);
    expect(swapRemove(['a', 'b'], new Set())).toEqual(['a', 'b']);
  });
});
