// Tests for the write queue: timed flushes, size-triggered flushes, explicit flushes and failing batches.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteQueue } from './write-queue.ts';

function makeQueue(overrides: { maxBatchSize?: number; failOn?: number } = {}) {
  const batches: number[][] = [];
  const errors: unknown[] = [];
  const queue = new WriteQueue<number>({
    writeBatch: (items) => {
      if (overrides.failOn !== undefined && items.includes(overrides.failOn)) throw new Error(`cannot write ${overrides.failOn}`);
      batches.push(items);
    },
    flushIntervalMs: 100,
    maxBatchSize: overrides.maxBatchSize ?? 1_000,
    onError: (error) => errors.push(error),
  });
  return { queue, batches, errors };
}

describe('WriteQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes queued items together once the interval has passed', () => {
    const { queue, batches } = makeQueue();
    queue.push(1);
    queue.push(2);
    vi.advanceTimersByTime(99);
    expect(batches).toEqual([]);
    expect(queue.pendingCount).toBe(2);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2]]);
    expect(queue.pendingCount).toBe(0);
  });

  it('flushes at once when the batch is full', () => {
    const { queue, batches } = makeQueue({ maxBatchSize: 3 });
    for (let item = 1; item <= 7; item++) queue.push(item);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('flush() writes immediately and cancels the pending timer', () => {
    const { queue, batches } = makeQueue();
    queue.push(1);
    queue.flush();
    expect(batches).toEqual([[1]]);
    queue.flush();
    vi.advanceTimersByTime(500);
    expect(batches).toEqual([[1]]);
  });

  it('reports a failed timed flush to onError and drops that batch', () => {
    const { queue, batches, errors } = makeQueue({ failOn: 2 });
    queue.push(1);
    queue.push(2);
    vi.advanceTimersByTime(100);
    expect(errors.map((error) => (error as Error).message)).toEqual(['cannot write 2']);
    queue.push(3);
    queue.flush();
    expect(batches).toEqual([[3]]);
  });

  it('throws a failed explicit flush to its caller', () => {
    const { queue, errors } = makeQueue({ failOn: 1 });
    queue.push(1);
    expect(() => queue.flush()).toThrow('cannot write 1');
    expect(errors).toEqual([]);
    expect(queue.pendingCount).toBe(0);
  });
});
