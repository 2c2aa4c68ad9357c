// The limits contract, run against both backends: windows in this process and windows in a real Redis (started by
// the test harness). Exact request and token windows on a fake clock, concurrency, refunds, OpenAI's headers, and
// admission at the limit under concurrent requests — through several Redis connections, as several gateways would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResetDuration, RateLimiter, type RateLimits, type RateLimitVerdict } from './rate-limiter.ts';
import { RedisRateLimits, type RedisRateLimitsOptions } from './redis-rate-limits.ts';
import { requireServer, startRedis, type RedisServer } from './testing/shared-servers.ts';

const redisAvailable = requireServer('Redis');
let redis: RedisServer | null = null;
const opened: RateLimits[] = [];
let prefixes = 0;

beforeAll(async () => {
  if (redisAvailable.ok) redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await Promise.all(opened.map((limits) => limits.close()));
  await redis?.stop();
});

interface Backend {
  name: string;
  available: boolean;
  /** `gateways` limiters that share one view (Redis), or one in-process limiter (it shares with nothing). */
  open(options?: { now?: () => number; gateways?: number; windowMs?: number; leaseMs?: number }): Promise<RateLimits[]>;
}

const backends: Backend[] = [
  { name: 'in-process', available: true, open: async (options = {}) => [new RateLimiter(options)] },
  {
    name: 'Redis',
    available: redisAvailable.ok,
    open: async (options = {}) => {
      // A prefix per test: tests share one server but not each other's windows.
      const shared: RedisRateLimitsOptions = { ...options, prefix: `t${++prefixes}` };
      const limiters = await Promise.all(Array.from({ length: options.gateways ?? 1 }, () => RedisRateLimits.connect(redis!.url, shared)));
      opened.push(...limiters);
      return limiters;
    },
  },
];

function granted(verdict: RateLimitVerdict) {
  if (!verdict.ok) throw new Error(`expected a grant, got: ${verdict.error.message}`);
  return verdict.grant;
}

/** Lets fire-and-forget settles and refunds reach Redis before the next decision. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.each(backends)('rate limits ($name)', (backend) => {
  const test = it.skipIf(!backend.available);

  test('admits exactly rpm requests in any 60 s window and says when the next one fits', async () => {
    let now = 1_000_000;
    const [limiter] = await backend.open({ now: () => now });
    const limits = { rpm: 2, tpm: 0, concurrency: 0 };
    granted(await limiter!.acquire('k', 'key', limits, 1)).settle(1);
    now += 10_000;
    const second = granted(await limiter!.acquire('k', 'key', limits, 1));
    expect(second.headers).toMatchObject({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m0s' });
    second.settle(1);
    const refused = await limiter!.acquire('k', 'key', limits, 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.headers['retry-after-ms']).toBe('50000');
      expect(refused.error.message).toContain("Rate limit reached for key 'key' on requests per minute: limit 2, used 2");
    }
    now += 50_000;
    expect((await limiter!.acquire('k', 'key', limits, 1)).ok).toBe(true);
  });

  test('counts tokens up front, corrects them on settle, and refunds requests that never ran', async () => {
    const [limiter] = await backend.open({ now: () => 5_000 });
    const limits = { rpm: 0, tpm: 100, concurrency: 0 };
    const first = granted(await limiter!.acquire('k', 'key', limits, 80));
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('20');
    const tooMany = await limiter!.acquire('k', 'key', limits, 30);
    expect(tooMany.ok || tooMany.error.message).toContain('used 80, requested 30');
    first.settle(40);
    await settled();
    const second = granted(await limiter!.acquire('k', 'key', limits, 30));
    second.refund();
    await settled();
    expect(granted(await limiter!.acquire('k', 'key', limits, 60)).headers['x-ratelimit-remaining-tokens']).toBe('0');
    const tooLarge = await limiter!.acquire('k', 'key', limits, 101);
    expect(tooLarge.ok || [tooLarge.reason, tooLarge.error.headers['x-should-retry']]).toEqual(['tokens', 'false']);
  });

  test('frees tokens as their entries leave the window, and says when enough will have left', async () => {
    let now = 2_000_000;
    const [limiter] = await backend.open({ now: () => now });
    const limits = { rpm: 0, tpm: 100, concurrency: 0 };
    granted(await limiter!.acquire('k', 'key', limits, 50)).settle(30);
    now += 20_000;
    granted(await limiter!.acquire('k', 'key', limits, 60)).settle(60);
    await settled();
    const refused = await limiter!.acquire('k', 'key', limits, 40);
    // 90 used: the first entry (30) must leave, 40 s from now.
    expect(refused.ok || [refused.error.message.includes('used 90, requested 40'), refused.error.headers['retry-after-ms']]).toEqual([true, '40000']);
    now += 40_000;
    const after = granted(await limiter!.acquire('k', 'key', limits, 40));
    expect(after.headers['x-ratelimit-remaining-tokens']).toBe('0');
    now += 60_000;
    expect(granted(await limiter!.acquire('k', 'key', limits, 100)).headers['x-ratelimit-remaining-tokens']).toBe('0');
  });

  test('limits requests in flight and frees a slot on settle or refund', async () => {
    const [limiter] = await backend.open();
    const limits = { rpm: 0, tpm: 0, concurrency: 1 };
    const only = granted(await limiter!.acquire('k', 'key', limits, 1));
    const refused = await limiter!.acquire('k', 'key', limits, 1);
    expect(refused.ok || refused.reason).toBe('concurrency');
    only.settle(1);
    await settled();
    granted(await limiter!.acquire('k', 'key', limits, 1)).refund();
    await settled();
    expect((await limiter!.acquire('k', 'key', limits, 1)).ok).toBe(true);
    expect((await limiter!.acquire('other', 'other', limits, 1)).ok).toBe(true);
  });

  test('admits exactly the limit when many requests arrive at once, through every gateway', async () => {
    const limiters = await backend.open({ gateways: 3 });
    const arrive = (count: number, bucket: string, limits: { rpm: number; tpm: number; concurrency: number }, tokens: number) =>
      Promise.all(Array.from({ length: count }, (_, i) => limiters[i % limiters.length]!.acquire(bucket, bucket, limits, tokens)));
    const byRpm = await arrive(60, 'rpm', { rpm: 17, tpm: 0, concurrency: 0 }, 1);
    expect(byRpm.filter((verdict) => verdict.ok)).toHaveLength(17);
    const byTpm = await arrive(60, 'tpm', { rpm: 0, tpm: 1_000, concurrency: 0 }, 70);
    expect(byTpm.filter((verdict) => verdict.ok)).toHaveLength(14);
    const byConcurrency = await arrive(60, 'concurrency', { rpm: 0, tpm: 0, concurrency: 5 }, 1);
    expect(byConcurrency.filter((verdict) => verdict.ok)).toHaveLength(5);
  });
});

describe('rate limits shared through Redis', () => {
  const test = it.skipIf(!redisAvailable.ok);

  test('a request whose gateway died stops counting toward concurrency once its lease runs out', async () => {
    const [alive, doomed] = await backends[1]!.open({ gateways: 2, leaseMs: 300 });
    const limits = { rpm: 0, tpm: 0, concurrency: 1 };
    granted(await doomed!.acquire('k', 'k', limits, 1));
    expect((await alive!.acquire('k', 'k', limits, 1)).ok).toBe(false);
    await doomed!.close(); // never settles: the lease is no longer renewed
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await alive!.acquire('k', 'k', limits, 1)).ok).toBe(true);
  });

  test('a running request keeps its slot past the lease while its gateway renews it', async () => {
    const [limiter] = await backends[1]!.open({ leaseMs: 150 });
    const limits = { rpm: 0, tpm: 0, concurrency: 1 };
    const running = granted(await limiter!.acquire('k', 'k', limits, 1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await limiter!.acquire('k', 'k', limits, 1)).ok).toBe(false);
    running.settle(1);
  });

  test('keeps each key\'s budget spend per period, seeded once from the usage log and shared by gateways', async () => {
    const [first, second] = await backends[1]!.open({ gateways: 2 });
    let storeReads = 0;
    const fromStore = async () => {
      storeReads++;
      return 1.5;
    };
    const start = '2026-03-01T00:00:00.000Z';
    // Spend before the total exists is the usage log's to report: not counted twice.
    first!.addSpend('key_a', 9, new Date('2026-03-01T05:00:00Z'));
    await settled();
    expect(await first!.spendSince('key_a', start, fromStore)).toBe(1.5);
    first!.addSpend('key_a', 0.25, new Date('2026-03-04T05:00:00Z'));
    second!.addSpend('key_a', 0.5, new Date('2026-03-09T05:00:00Z'));
    await settled();
    expect(await second!.spendSince('key_a', start, fromStore)).toBe(2.25);
    expect(storeReads).toBe(1);
  });

  test('answers 503 with a retry hint when Redis is gone, and refuses a URL that is not Redis', async () => {
    const own = await startRedis();
    const limiter = await RedisRateLimits.connect(own.url, { onError: () => undefined });
    opened.push(limiter);
    await own.stop();
    await expect(limiter.acquire('k', 'k', { rpm: 1, tpm: 0, concurrency: 0 }, 1)).rejects.toMatchObject({ status: 503, code: 'limits_unavailable' });
    await expect(RedisRateLimits.connect('redis://127.0.0.1:1', { onError: () => undefined })).rejects.toThrow(/redis:\/\/127\.0\.0\.1:1.*redis-server is running/);
  });
});

describe('formatResetDuration', () => {
  it('writes durations the way OpenAI does', () => {
    expect([450, 1_000, 17_280, 60_000, 360_000, 61_500].map(formatResetDuration)).toEqual(['450ms', '1s', '17.28s', '1m0s', '6m0s', '1m1.5s']);
  });
});
