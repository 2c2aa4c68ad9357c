// Per-key limits on requests per minute, tokens per minute and concurrent requests, over exact sliding windows.
// Tokens are reserved up front (prompt + max_tokens) and corrected when the request ends, so no request overshoots.
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

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #concurrencyRetryAfterMs: number;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#concurrencyRetryAfterMs = options.concurrencyRetryAfterMs ?? 1_000;
  }

  /** Admits one request that may use up to `tokens` tokens for the key `bucket` (named `label` in messages). */
  acquire(bucket: string, label: string, limits: KeyLimits, tokens: number): RateLimitVerdict {
    const now = this.#now();
    const window = this.#windowFor(bucket, now);
    const rejection = this.#checkRequests(window, limits, label, now) ?? this.#checkTokens(window, limits, label, tokens, now) ?? this.#checkConcurrency(window, limits, label);
    if (rejection) return { ok: false, ...rejection };
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
    return {
      ok: true,
      grant: { headers: this.#headers(window, limits, now), settle: (used) => finish(false, used), refund: () => finish(true, 0) },
    };
  }

  #windowFor(bucket: string, now: number): Window {
    let window = this.#windows.get(bucket);
    if (!window) {
      window = { requestTimes: [], tokenEntries: [], inFlight: 0 };
      this.#windows.set(bucket, window);
    }
    const cutoff = now - this.#windowMs;
    while (window.requestTimes.length > 0 && window.requestTimes[0]! <= cutoff) window.requestTimes.shift();
    while (window.tokenEntries.length > 0 && window.tokenEntries[0]!.at <= cutoff) window.tokenEntries.shift();
    return window;
  }

  #checkRequests(window: Window, limits: KeyLimits, label: string, now: number) {
    if (limits.rpm <= 0 || window.requestTimes.length < limits.rpm) return null;
    const retryAfterMs = window.requestTimes[0]! + this.#windowMs - now;
    const message = `Rate limit reached for key '${label}' on requests per minute: limit ${limits.rpm}, used ${window.requestTimes.length}. Please try again in ${formatResetDuration(retryAfterMs)}.`;
    return { reason: 'requests' as const, error: this.#tooMany(message, 'requests', retryAfterMs, window, limits, now) };
  }

  #checkTokens(window: Window, limits: KeyLimits, label: string, tokens: number, now: number) {
    if (limits.tpm <= 0) return null;
    if (tokens > limits.tpm) {
      const message = `Request too large for key '${label}' on tokens per minute: limit ${limits.tpm}, requested ${tokens} (prompt + max_tokens). Reduce the prompt or max_tokens.`;
      const error = new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'tokens', shouldRetry: false, headers: this.#headers(window, limits, now) });
      return { reason: 'tokens' as const, error };
    }
    const used = tokensIn(window);
    if (used + tokens <= limits.tpm) return null;
    const retryAfterMs = this.#timeUntilTokensFree(window, limits.tpm - tokens, now);
    const message = `Rate limit reached for key '${label}' on tokens per minute: limit ${limits.tpm}, used ${used}, requested ${tokens}. Please try again in ${formatResetDuration(retryAfterMs)}.`;
    return { reason: 'tokens' as const, error: this.#tooMany(message, 'tokens', retryAfterMs, window, limits, now) };
  }

  #checkConcurrency(window: Window, limits: KeyLimits, label: string) {
    if (limits.concurrency <= 0 || window.inFlight < limits.concurrency) return null;
    const message = `Too many concurrent requests for key '${label}': limit ${limits.concurrency}. Retry when one of them has finished.`;
    const error = new OpenAiError(429, 'rate_limit_exceeded', message, { type: 'concurrency', retryAfterMs: this.#concurrencyRetryAfterMs });
    return { reason: 'concurrency' as const, error };
  }

  #tooMany(message: string, type: string, retryAfterMs: number, window: Window, limits: KeyLimits, now: number): OpenAiError {
    return new OpenAiError(429, 'rate_limit_exceeded', message, { type, retryAfterMs, headers: this.#headers(window, limits, now) });
  }

  /** When enough old entries leave the window that at most `allowed` tokens remain counted. */
  #timeUntilTokensFree(window: Window, allowed: number, now: number): number {
    let remaining = tokensIn(window);
    for (const entry of window.tokenEntries) {
      remaining -= entry.tokens;
      if (remaining <= allowed) return entry.at + this.#windowMs - now;
    }
    return this.#windowMs;
  }

  #headers(window: Window, limits: KeyLimits, now: number): Record<string, string> {
    const headers: Record<string, string> = {};
    if (limits.rpm > 0) {
      const newest = window.requestTimes.at(-1);
      headers['x-ratelimit-limit-requests'] = String(limits.rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, limits.rpm - window.requestTimes.length));
      headers['x-ratelimit-reset-requests'] = formatResetDuration(newest === undefined ? 0 : newest + this.#windowMs - now);
    }
    if (limits.tpm > 0) {
      const newest = window.tokenEntries.at(-1);
      headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, limits.tpm - tokensIn(window)));
      headers['x-ratelimit-reset-tokens'] = formatResetDuration(newest === undefined ? 0 : newest.at + this.#windowMs - now);
    }
    return headers;
  }
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
