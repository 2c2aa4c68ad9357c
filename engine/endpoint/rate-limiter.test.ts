// The rate limiter on a fake clock: exact request and token windows, concurrency, refunds and OpenAI's headers.
import { describe, expect, it } from 'vitest';
import { formatResetDuration, RateLimiter, type RateLimitVerdict } from './rate-limiter.ts';

function granted(verdict: RateLimitVerdict) {
  if (!verdict.ok) throw new Error(`expected a grant, got: ${verdict.error.message}`);
  return verdict.grant;
}

describe('RateLimiter', () => {
  it('admits exactly rpm requests in any 60 s window and says when the next one fits', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now });
    const limits = { rpm: 2, tpm: 0, concurrency: 0 };
    granted(limiter.acquire('k', 'key', limits, 1)).settle(1);
    now = 10_000;
    granted(limiter.acquire('k', 'key', limits, 1)).settle(1);
    const refused = limiter.acquire('k', 'key', limits, 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.headers['retry-after-ms']).toBe('50000');
    now = 60_000;
    expect(limiter.acquire('k', 'key', limits, 1).ok).toBe(true);
  });

  it('counts tokens up front, corrects them on settle, and refunds requests that never ran', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    const limits = { rpm: 0, tpm: 100, concurrency: 0 };
    const first = granted(limiter.acquire('k', 'key', limits, 80));
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('20');
    expect(limiter.acquire('k', 'key', limits, 30).ok).toBe(false);
    first.settle(40);
    const second = granted(limiter.acquire('k', 'key', limits, 30));
    second.refund();
    expect(granted(limiter.acquire('k', 'key', limits, 60)).headers['x-ratelimit-remaining-tokens']).toBe('0');
  });

  it('limits requests in flight and frees a slot on settle or refund', () => {
    const limiter = new RateLimiter();
    const limits = { rpm: 0, tpm: 0, concurrency: 1 };
    const only = granted(limiter.acquire('k', 'key', limits, 1));
    const refused = limiter.acquire('k', 'key', limits, 1);
    expect(refused.ok || refused.reason).toBe('concurrency');
    only.settle(1);
    expect(limiter.acquire('k', 'key', limits, 1).ok).toBe(true);
    expect(limiter.acquire('other', 'other', limits, 1).ok).toBe(true);
  });
});

describe('formatResetDuration', () => {
  it('writes durations the way OpenAI does', () => {
    expect([450, 1_000, 17_280, 60_000, 360_000, 61_500].map(formatResetDuration)).toEqual(['450ms', '1s', '17.28s', '1m0s', '6m0s', '1m1.5s']);
  });
});
