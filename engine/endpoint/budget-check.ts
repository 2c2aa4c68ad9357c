// Per-key budgets: once a key's spend in its period (UTC day or month) reaches its budget, requests get OpenAI's
// 429 insufficient_quota with `x-should-retry: false`, since retrying cannot help until the period turns.
import { storeUnavailable, type Caller } from './caller-auth.ts';
import { OpenAiError } from './openai-error.ts';
import type { ServerContext } from './server-context.ts';
import { periodStart } from './store/request-log.ts';

/**
 * The worst-case cost of this process's requests admitted against a budget and not yet in the usage log, per key.
 * A request counts here from its admission until its row is queued (record-request.ts), so requests that arrive
 * together cannot all pass a check that none of them has paid into yet. Gateways sharing Redis each count their own.
 */
export class BudgetHolds {
  readonly #held = new Map<string, number>();

  heldBy(keyId: string): number {
    return this.#held.get(keyId) ?? 0;
  }

  /** Holds `amount` for the key; the function returned lets it go (once, however often called). */
  hold(keyId: string, amount: number): () => void {
    this.#held.set(keyId, this.heldBy(keyId) + amount);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.heldBy(keyId) - amount;
      if (left > 1e-9) this.#held.set(keyId, left);
      else this.#held.delete(keyId);
    };
  }
}

/**
 * Admits a request while its key's spend (from the limits backend, seeded from the usage log), with what requests in
 * flight hold, is under its budget; the request then holds `worstCaseCost` (its prompt and every token it may
 * generate, priced) until its row is logged. Returns the hold's release (a no-op for keys without a budget, or a
 * server without a usage log), or throws the refusal, counted in the metrics. A request may still overshoot the budget
 * by its own cost, as with OpenAI's budgets: it is admitted while some budget is left.
 */
export async function admitWithinBudget(context: ServerContext, caller: Caller, now: Date, worstCaseCost: number): Promise<() => void> {
  try {
    return await holdWithinBudget(context, caller, now, worstCaseCost);
  } catch (refusal) {
    if (refusal instanceof OpenAiError && refusal.code === 'insufficient_quota') context.metrics.rateLimitRejections.inc({ reason: 'budget' });
    throw refusal;
  }
}

async function holdWithinBudget({ usage, limiter, budgetHolds: holds, pricing }: ServerContext, caller: Caller, now: Date, worstCaseCost: number): Promise<() => void> {
  const key = caller.key;
  if (!usage || !key || key.budget === null || key.period === null) return () => undefined;
  // Held before the spend is read: requests checked at the same moment each see the others' holds.
  const heldByOthers = holds.heldBy(key.id);
  const release = holds.hold(key.id, worstCaseCost);
  const start = periodStart(key.period, now);
  let spent: number;
  try {
    spent = await limiter.spendSince(key.id, start, () =>
      usage.spendSince(key.id, start).catch((error: unknown) => {
        throw storeUnavailable(error);
      }),
    );
  } catch (error) {
    release();
    throw error;
  }
  if (spent + heldByOthers < key.budget) return release;
  release();
  const { currency } = pricing;
  const budget = `${key.budget} ${currency} ${key.period === 'day' ? 'daily' : 'monthly'} budget`;
  if (spent < key.budget) {
    // Only requests still running stand in the way: what they do not use comes back when they finish.
    const message =
      `The API key '${key.name}' has spent ${spent.toFixed(4)} ${currency} of its ${budget}, and requests of it still running ` +
      `may use the other ${(key.budget - spent).toFixed(4)} ${currency} (${heldByOthers.toFixed(4)} at most). Retry when they finish.`;
    throw new OpenAiError(429, 'insufficient_quota', message, { type: 'insufficient_quota', retryAfterMs: BUDGET_HELD_RETRY_MS });
  }
  const message = `You exceeded your current quota: the API key '${key.name}' has spent ${spent.toFixed(4)} ${currency} of its ${budget}. It renews at ${nextPeriodStart(key.period, now)}.`;
  throw new OpenAiError(429, 'insufficient_quota', message, { type: 'insufficient_quota', shouldRetry: false });
}

/** When a request refused for what running requests hold may try again. */
const BUDGET_HELD_RETRY_MS = 1_000;

function nextPeriodStart(period: 'day' | 'month', now: Date): string {
  const start = new Date(periodStart(period, now));
  if (period === 'day') start.setUTCDate(start.getUTCDate() + 1);
  else start.setUTCMonth(start.getUTCMonth() + 1);
  return start.toISOString();
}
