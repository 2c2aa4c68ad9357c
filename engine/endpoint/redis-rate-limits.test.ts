// What only the Redis backend of the limits has to get right, against a real redis-server: a Redis that stops
// answering (SIGSTOP) is a bounded 503, never a wait without end, and what it admits late is taken back; the budget
// spend kept in Redis returns to the usage log's total — after its expiry, after an increment that failed, and after a
// reconnection (a Redis restarted from an older snapshot); a settle is never overtaken by the next admission.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisRateLimits, type RedisRateLimitsOptions } from './redis-rate-limits.ts';
import { waitFor } from './testing/http-helpers.ts';
import { requireServer, startRedis, type RedisServer } from './testing/shared-servers.ts';
import { openRedisAdmin, type RedisAdmin } from './testing/stalled-redis.ts';

const available = requireServer('Redis');
const test = it.skipIf(!available.ok);
let redis: RedisServer | null = null;
let admin: RedisAdmin | null = null;
const opened: RedisRateLimits[] = [];
let prefixes = 0;

beforeAll(async () => {
  if (!available.ok) return;
  redis = await startRedis();
  admin = await openRedisAdmin(redis.url);
}, 60_000);
afterEach(async () => {
  admin?.resumeAll();
  await Promise.all(opened.splice(0).map((limits) => limits.close()));
});
afterAll(async () => {
  await admin?.close();
  await redis?.stop();
});

async function open(options: RedisRateLimitsOptions = {}): Promise<{ limits: RedisRateLimits; prefix: string }> {
  const prefix = `r${++prefixes}`;
  const limits = await RedisRateLimits.connect(redis!.url, { onError: () => undefined, ...options, prefix });
  opened.push(limits);
  return { limits, prefix };
}

const ONE_AT_A_TIME = { rpm: 0, tpm: 0, concurrency: 1 };
const MONTH = '2026-03-01T00:00:00.000Z';
const IN_MARCH = new Date('2026-03-04T05:00:00Z');

test('answers 503 limits_unavailable while Redis is stopped, and takes back what it admits once it answers again', async () => {
  const { limits } = await open({ admissionTimeoutMs: 300 });
  const resume = admin!.stall();
  try {
    // Redis never answers while stopped: only the admission timeout can end these.
    await expect(limits.acquire('k', 'k', ONE_AT_A_TIME, 1)).rejects.toMatchObject({ status: 503, code: 'limits_unavailable', message: expect.stringMatching(/within 300 ms/) });
    await expect(limits.spendSince('key_a', MONTH, async () => 0)).rejects.toMatchObject({ status: 503, code: 'limits_unavailable' });
  } finally {
    resume();
  }
  // The stopped Redis ran the first check once resumed and admitted it; the limiter refunds it, so the key's one
  // concurrent slot is free again rather than held until its lease runs out.
  await waitFor(async () => (await limits.acquire('k', 'k', ONE_AT_A_TIME, 1)).ok === true, 10_000);
});

test('trusts a seeded spend total only until it expires, then seeds it again from the usage log', async () => {
  const { limits, prefix } = await open({ spendReseedMs: 400 });
  let logged = 4;
  const fromStore = async () => logged;
  expect(await limits.spendSince('key_a', MONTH, fromStore)).toBe(4);
  // Redis loses track (an increment lost, an older copy restored): its total says 1 while the log says 4, then 6.
  const total = `${prefix}:spend:{key_a}:${MONTH}`;
  await admin!.client.set(total, '1', { expiration: 'KEEPTTL' });
  logged = 6;
  await waitFor(async () => (await admin!.client.exists(total)) === 0, 10_000);
  expect(await limits.spendSince('key_a', MONTH, fromStore)).toBe(6);
  expect(await admin!.client.pTTL(total)).toBeGreaterThan(0);
});

test('drops the spend totals when an increment fails, so the next check seeds them from the usage log', async () => {
  const { limits, prefix } = await open();
  expect(await limits.spendSince('key_a', MONTH, async () => 2)).toBe(2);
  const total = `${prefix}:spend:{key_a}:${MONTH}`;
  // A total Redis cannot add to: INCRBYFLOAT fails inside the script.
  await admin!.client.set(total, 'not a number');
  limits.addSpend('key_a', 0.5, IN_MARCH);
  await waitFor(async () => (await admin!.client.exists(total)) === 0, 10_000);
  expect(await limits.spendSince('key_a', MONTH, async () => 2.5)).toBe(2.5);
});

test('forgets the spend totals after reconnecting, since the Redis it reaches may hold an older copy of them', async () => {
  const { limits, prefix } = await open();
  expect(await limits.spendSince('key_a', MONTH, async () => 7)).toBe(7);
  const total = `${prefix}:spend:{key_a}:${MONTH}`;
  // What a restart from an older snapshot brings back, then the connection cut as the restart cuts it.
  await admin!.client.set(total, '3', { expiration: 'KEEPTTL' });
  await admin!.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
  await waitFor(async () => (await admin!.client.exists(total)) === 0, 10_000);
  await waitFor(async () => (await limits.spendSince('key_a', MONTH, async () => 7).catch(() => null)) === 7, 10_000);
});

test('a settle reaches Redis before the next admission, also on a connection to a Redis that lost its scripts', async () => {
  const { limits } = await open();
  // What a restart does: the script cache emptied, the connections cut.
  await admin!.client.sendCommand(['SCRIPT', 'FLUSH']);
  await admin!.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
  await waitFor(async () => (await limits.spendSince('key_b', MONTH, async () => 0).catch(() => null)) === 0, 10_000);
  const first = await limits.acquire('s', 's', ONE_AT_A_TIME, 1);
  if (!first.ok) throw new Error(`expected a grant, got: ${first.error.message}`);
  first.grant.settle(1);
  // Sent at once, as a client's next request is: it must find the finished one gone.
  expect((await limits.acquire('s', 's', ONE_AT_A_TIME, 1)).ok).toBe(true);
});
