// KeyedLock: holders of one key take turns in arrival order, other keys are not held up, and a caller cancelled while
// it waits gives up its turn without blocking those behind it.
import { expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.ts';

const settled = () => new Promise((resolve) => setImmediate(resolve));

it('lets one holder per key in at a time, in arrival order, and other keys at once', async () => {
  const lock = new KeyedLock();
  const order: string[] = [];
  const first = (await lock.acquire('a'))!;
  const second = lock.acquire('a').then((release) => (order.push('second'), release!));
  const other = lock.acquire('b').then((release) => (order.push('other'), release!));
  await settled();
  expect(order).toEqual(['other']);
  first();
  (await second)();
  (await other)();
  expect(order).toEqual(['other', 'second']);
  expect(lock.isHeld('a')).toBe(false);
  expect(lock.isHeld('b')).toBe(false);
});

it('gives up the turn of a caller whose signal aborts while it waits, without holding up the next', async () => {
  const lock = new KeyedLock();
  const first = (await lock.acquire('a'))!;
  const abort = new AbortController();
  const cancelled = lock.acquire('a', abort.signal);
  const third = lock.acquire('a');
  abort.abort();
  expect(await cancelled).toBeUndefined();
  first();
  const release = await third;
  expect(release).toBeTypeOf('function');
  release!();
  expect(lock.isHeld('a')).toBe(false);
});
