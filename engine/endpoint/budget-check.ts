// Per-key budgets: once a key's spend in its period (UTC day or month) reaches its budget, requests get OpenAI's
// 429 insufficient_quota with `x-should-retry: false`, since retrying cannot help until the period turns.
import { storeUnavailable, type Caller } from './caller-auth.ts';
import { OpenAiError } from './openai-error.ts';
import type { RateLimits } from './rate-limiter.ts';
import { periodStart, type RequestLog } from './store/request-log.ts';

/** The spend comes from the limits backend (Redis keeps a running total per period), seeded from the usage log. */
export async function checkBudget(caller: Caller, usage: RequestLog, limits: RateLimits, now: Date, currency: string): Promise<OpenAiError | null> {
  const key = caller.key;
  if (!key || key.budget === null || key.period === null) return null;
  const start = periodStart(key.period, now);
  const spent = await limits.spendSince(key.id, key.period, start, () =>
    usage.spendSince(key.id, start).catch((error: unknown) => {
      throw storeUnavailable(error);
    }),
  );
  if (spent < key.budget) return null;
  const message =
    `You exceeded your current quota: the API key '${key.name}' has spent ${spent.toFixed(4)} ${currency} of its ` +
    `${key.budget} ${currency} ${key.period === 'day' ? 'daily' : 'monthly'} budget. It renews at ${nextPeriodStart(key.period, now)}.`;
  return new OpenAiError(429, 'insufficient_quota', message, { type: 'insufficient_quota', shouldRetry: false });
}

function nextPeriodStart(period: 'day' | 'month', now: Date): string {
  const start = new Date(periodStart(period, now));
  if (period === 'day') start.setUTCDate(start.getUTCDate() + 1);
  else start.setUTCMonth(start.getUTCMonth() + 1);
  return start.toISOString();
}
