// Support for load tests of the engine's HTTP servers: many requests with a bounded number in flight, and how far the
// heap grew across them. Importing this file turns on `--expose-gc` for the test process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Calls `send` on every item, at most `inFlight` at once, in order of batches; `index` is the item's position. */
export async function sendInBatches<T>(items: readonly T[], inFlight: number, send: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += inFlight) {
    await Promise.all(items.slice(start, start + inFlight).map((item, offset) => send(item, start + offset)));
  }
}

/**
 * Runs `warmUp` (so caches and lazy state are filled first), then `measured` between two garbage collections, and
 * gives `measured`'s result with how many bytes the heap grew meanwhile.
 */
export async function heapGrowthAcross<T>(warmUp: () => Promise<unknown>, measured: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  await warmUp();
  collectGarbage();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  const result = await measured();
  collectGarbage();
  return { result, growthBytes: process.memoryUsage().heapUsed - heapBeforeBytes };
}
