// Per-key limits on requests per minute, tokens per minute and concurrent requests, over exact sliding windows.
// Tokens are reserved up front (prompt + max_tokens) and corrected when the request ends, so no request overshoots.
// `RateLimits` is the seam: `RateLimiter` keeps the windows in this process (the default); `RedisRateLimits`
// (redis-rate-limits.ts) keeps them in Redis, shared by several gateways. Both decide the same way; the verdict,
// its messages and its x-ratelimit-* headers are built here, once, from what the backend reports.
import { OpenAiError } from './openai-error.ts';

/** 0 means no limit. */
export interface KeyLimits {
  rpm: number;
  tpm: number;
  concurrency: number;
}

export interface RateLimitGrant {
  /** x-ratelimit-* headers describing the key's window after this request. */
  headers: Record<string, string>;
  /** The request ran: its token entry becomes what it really used. */
  settle(tokensUsed: number): void;
  /** The request never ran (e.g. the queue was full): it counts for nothing. */
  refund(): void;
}

export type RateLimitVerdict = { ok: true; grant: RateLimitGrant } | { ok: false; error: OpenAiError; reason: 'requests' | 'tokens' | 'concurrency' };

export interface RateLimits {
  /** Admits one request that may use up to `tokens` tokens for the key `bucket` (named `label` in messages). */
  acquire(bucket: string, label: string, limits: KeyLimits, tokens: number): Promise<RateLimitVerdict>;
  /**
   * What a key has spent since the start of its budget period. `fromStore` sums the usage log; a backend that keeps
   * its own running total (Redis) seeds it from there once per period.
   */
  spendSince(keyId: string, periodStart: string, fromStore: () => Promise<number>): Promise<number>;
  /** A finished request's cost, added to its key's running totals (a no-op where the usage log is the total). */
  addSpend(keyId: string, cost: number, at: Date): void;
  close(): Promise<void>;
}

/** A key's window as a backend saw it when it decided (after adding the request, when admitted). */
export interface WindowView {
  now: number;
  requests: number;
  newestRequestAt: number | null;
  tokens: number;
  newestTokenAt: number | null;
}

export type LimitDecision =
  | { admitted: true; view: WindowView }
  | { admitted: false; reason: 'requests'; view: WindowView; retryAfterMs: number }
  | { admitted: false; reason: 'tokens'; view: WindowView; retryAfterMs: number }
  | { admitted: false; reason: 'tokens_too_large'; view: WindowView }
  | { admitted: false; reason: 'concurrency'; view: WindowView };

export interface LimitRules {
  windowMs: number;
  /** What a 429 for too many concurrent requests suggests waiting; the server cannot know when one ends. */
  concurrencyRetryAfterMs: number;
}

/** The verdict a decision means: a grant with headers, or a 429 with OpenAI's message, headers and retry hints. */
export function verdictOf(decision: LimitDecision, label: string, limits: KeyLimits, tokens: number, rules: LimitRules, grant: Omit<RateLimitGrant, 'headers'>): RateLimitVerdict {
  const headers = rateLimitHeaders(decision.view, limits, rules.windowMs);
  if (decision.admitted) return { ok: true, grant: { headers, ...grant } };
  const { view } = decision;
  switch (decision.reason) {
    case 'requests': {
      const message = `Rate limit reached for key '${label}' on requests per minute: limit ${limits.rpm}, used ${view.requests}. Please try again in ${formatResetDuration(decision.retryAfterMs)}.`;
      return { ok: false, reason: 'requests', error: new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'requests', retryAfterMs: decision.retryAfterMs, headers }) };
    }
    case 'tokens_too_large': {
      const message = `Request too large for key '${label}' on tokens per minute: limit ${limits.tpm}, requested ${tokens} (prompt + max_tokens). Reduce the prompt or max_tokens.`;
      return { ok: false, reason: 'tokens', error: new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'tokens', shouldRetry: false, headers }) };
    }
    case 'tokens': {
      const message = `Rate limit reached for key '${label}' on tokens per minute: limit ${limits.tpm}, used ${view.tokens}, requested ${tokens}. Please try again in ${formatResetDuration(decision.retryAfterMs)}.`;
      return { ok: false, reason: 'tokens', error: new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'tokens', retryAfterMs: decision.retryAfterMs, headers }) };
    }
    case 'concurrency': {
      const message = `Too many concurrent requests for key '${label}': limit ${limits.concurrency}. Retry when one of them has finished.`;
      return { ok: false, reason: 'concurrency', error: new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'concurrency', retryAfterMs: rules.concurrencyRetryAfterMs }) };
    }
  }
}

function rateLimitHeaders(view: WindowView, limits: KeyLimits, windowMs: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (limits.rpm > 0) {
    headers['x-ratelimit-limit-requests'] = String(limits.rpm);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, limits.rpm - view.requests));
    headers['x-ratelimit-reset-requests'] = formatResetDuration(view.newestRequestAt === null ? 0 : view.newestRequestAt + windowMs - view.now);
  }
  if (limits.tpm > 0) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, limits.tpm - view.tokens));
    headers['x-ratelimit-reset-tokens'] = formatResetDuration(view.newestTokenAt === null ? 0 : view.newestTokenAt + windowMs - view.now);
  }
  return headers;
}

interface TokenEntry {
  at: number;
  tokens: number;
}

interface Window {
  requestTimes: number[];
  tokenEntries: TokenEntry[];
  inFlight: number;
}

export interface RateLimiterOptions {
  now?: () => number;
  windowMs?: number;
  /** What a 429 for too many concurrent requests suggests waiting; the server cannot know when one ends. */
  concurrencyRetryAfterMs?: number;
}

/** The windows of this process: exact, and shared by nothing else. */
export class RateLimiter implements RateLimits {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;
  readonly #rules: LimitRules;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#rules = { windowMs: options.windowMs ?? 60_000, concurrencyRetryAfterMs: options.concurrencyRetryAfterMs ?? 1_000 };
  }

  async acquire(bucket: string, label: string, limits: KeyLimits, tokens: number): Promise<RateLimitVerdict> {
    const now = this.#now();
    const window = this.#windowFor(bucket, now);
    const decision = this.#decide(window, limits, tokens, now);
    if (!decision.admitted) return verdictOf(decision, label, limits, tokens, this.#rules, { settle: () => undefined, refund: () => undefined });
    const requestTime = now;
    const entry: TokenEntry = { at: now, tokens };
    window.requestTimes.push(requestTime);
    window.tokenEntries.push(entry);
    window.inFlight++;
    let done = false;
    const finish = (refund: boolean, tokensUsed: number) => {
      if (done) return;
      done = true;
      window.inFlight--;
      if (!refund) entry.tokens = tokensUsed;
      else {
        removeOne(window.requestTimes, requestTime);
        entry.tokens = 0;
      }
    };
    return verdictOf({ admitted: true, view: viewOf(window, now) }, label, limits, tokens, this.#rules, { settle: (used) => finish(false, used), refund: () => finish(true, 0) });
  }

  /** The usage log is the running total here. */
  async spendSince(_keyId: string, _periodStart: string, fromStore: () => Promise<number>): Promise<number> {
    return fromStore();
  }

  addSpend(): void {}

  async close(): Promise<void> {}

  #decide(window: Window, limits: KeyLimits, tokens: number, now: number): LimitDecision {
    const view = viewOf(window, now);
    if (limits.rpm > 0 && window.requestTimes.length >= limits.rpm) {
      return { admitted: false, reason: 'requests', view, retryAfterMs: window.requestTimes[0]! + this.#rules.windowMs - now };
    }
    if (limits.tpm > 0) {
      if (tokens > limits.tpm) return { admitted: false, reason: 'tokens_too_large', view };
      if (view.tokens + tokens > limits.tpm) return { admitted: false, reason: 'tokens', view, retryAfterMs: this.#timeUntilTokensFree(window, limits.tpm - tokens, now) };
    }
    if (limits.concurrency > 0 && window.inFlight >= limits.concurrency) return { admitted: false, reason: 'concurrency', view };
    return { admitted: true, view };
  }

  #windowFor(bucket: string, now: number): Window {
    let window = this.#windows.get(bucket);
    if (!window) {
      window = { requestTimes: [], tokenEntries: [], inFlight: 0 };
      this.#windows.set(bucket, window);
    }
    const cutoff = now - this.#rules.windowMs;
    while (window.requestTimes.length > 0 && window.requestTimes[0]! <= cutoff) window.requestTimes.shift();
    while (window.tokenEntries.length > 0 && window.tokenEntries[0]!.at <= cutoff) window.tokenEntries.shift();
    return window;
  }

  /** When enough old entries leave the window that at most `allowed` tokens remain counted. */
  #timeUntilTokensFree(window: Window, allowed: number, now: number): number {
    let remaining = tokensIn(window);
    for (const entry of window.tokenEntries) {
      remaining -= entry.tokens;
      if (remaining <= allowed) return entry.at + this.#rules.windowMs - now;
    }
    return this.#rules.windowMs;
  }
}

function viewOf(window: Window, now: number): WindowView {
  return {
    now,
    requests: window.requestTimes.length,
    newestRequestAt: window.requestTimes.at(-1) ?? null,
    tokens: tokensIn(window),
    newestTokenAt: window.tokenEntries.at(-1)?.at ?? null,
  };
}

function tokensIn(window: Window): number {
  return window.tokenEntries.reduce((sum, entry) => sum + entry.tokens, 0);
}

function removeOne(times: number[], time: number): void {
  const at = times.lastIndexOf(time);
  if (at >= 0) times.splice(at, 1);
}

/** Durations as OpenAI writes them in x-ratelimit-reset-*: "450ms", "1s", "17.28s", "6m0s". */
export function formatResetDuration(ms: number): string {
  const rounded = Math.max(0, Math.ceil(ms));
  if (rounded < 1000) return `${rounded}ms`;
  const minutes = Math.floor(rounded / 60_000);
  const seconds = Number(((rounded - minutes * 60_000) / 1000).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}
