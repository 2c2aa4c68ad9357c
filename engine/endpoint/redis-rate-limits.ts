// Rate limits and budget spend kept in Redis, so several gateway processes share one key's windows: each decision is
// one Lua script (EVALSHA), which Redis runs atomically, so two gateways never both admit the request that crosses
// a limit. Same rules as the in-process RateLimiter (rate-limiter.ts builds the verdict from what the script saw).
//
// Per bucket (hash-tagged, so a cluster keeps a key's windows on one node): `req` (sorted set: request id → time),
// `tok` (sorted set: entry id → time) with `tokn` (hash: entry id → tokens) and `toksum` (their total, kept as entries
// come, settle and leave, so a decision never sums the window), `conc` (sorted set: request id → lease deadline). A running request renews its lease; one whose gateway died stops counting once the lease runs out.
// Times are Redis's own clock (TIME), so gateways' clocks need not agree; tests may pass one.
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClientType } from '@redis/client';
import { lazyRequire } from '../lazy-require.ts';
import { OpenAiError } from './openai-error.ts';
import { verdictOf, type KeyLimits, type LimitDecision, type LimitRules, type RateLimits, type RateLimitVerdict } from './rate-limiter.ts';
import { redactedUrl } from './redacted-url.ts';
import { periodStart } from './store/request-log.ts';

const redis = lazyRequire<typeof import('@redis/client')>('@redis/client');

/** KEYS: req, tok, tokn, conc, toksum. ARGV: now (-1: Redis's clock), windowMs, rpm, tpm, concurrency, tokens, id, leaseMs. */
const ACQUIRE = `
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local windowMs, rpm, tpm, concurrency = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, id, leaseMs = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local cutoff = now - windowMs
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff)
if #old > 0 then
  local leaving = 0
  for i = 1, #old, 500 do
    local ids = { unpack(old, i, math.min(i + 499, #old)) }
    for _, amount in ipairs(redis.call('HMGET', KEYS[3], unpack(ids))) do leaving = leaving + (tonumber(amount) or 0) end
    redis.call('HDEL', KEYS[3], unpack(ids))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  redis.call('INCRBY', KEYS[5], -leaving)
end
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[5]) end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)

local function newest(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last == 0 then return -1 end
  return tonumber(last[2])
end
local function tokensUsed()
  return tonumber(redis.call('GET', KEYS[5]) or '0')
end
local function reply(code, retryAfterMs)
  return { code, retryAfterMs, now, redis.call('ZCARD', KEYS[1]), newest(KEYS[1]), tokensUsed(), newest(KEYS[2]) }
end

local requests = redis.call('ZCARD', KEYS[1])
if rpm > 0 and requests >= rpm then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return reply(1, tonumber(oldest[2]) + windowMs - now)
end
if tpm > 0 then
  if tokens > tpm then return reply(3, 0) end
  local used = tokensUsed()
  if used + tokens > tpm then
    local allowed = tpm - tokens
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    local remaining = used
    for i = 1, #entries, 2 do
      remaining = remaining - tonumber(redis.call('HGET', KEYS[3], entries[i]) or '0')
      if remaining <= allowed then return reply(2, tonumber(entries[i + 1]) + windowMs - now) end
    end
    return reply(2, windowMs)
  end
end
if concurrency > 0 and redis.call('ZCARD', KEYS[4]) >= concurrency then return reply(4, 0) end

redis.call('ZADD', KEYS[1], now, id)
redis.call('ZADD', KEYS[2], now, id)
redis.call('HSET', KEYS[3], id, tokens)
redis.call('INCRBY', KEYS[5], tokens)
redis.call('ZADD', KEYS[4], now + leaseMs, id)
for _, i in ipairs({ 1, 2, 3, 5 }) do redis.call('PEXPIRE', KEYS[i], windowMs + leaseMs) end
redis.call('PEXPIRE', KEYS[4], leaseMs * 2)
return reply(0, 0)
`;

/** KEYS: req, tok, tokn, conc, toksum. ARGV: id, tokens used, refund (1) or settle (0). */
const FINISH = `
redis.call('ZREM', KEYS[4], ARGV[1])
local held = redis.call('HGET', KEYS[3], ARGV[1])
local reserved = held and tonumber(held)
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  if reserved then redis.call('INCRBY', KEYS[5], -reserved) end
elseif reserved then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  redis.call('INCRBY', KEYS[5], tonumber(ARGV[2]) - reserved)
end
return 1
`;

/** KEYS: conc. ARGV: id, now (-1: Redis's clock), leaseMs. Extends a running request's lease. */
const RENEW = `
local now = tonumber(ARGV[2])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
`;

/** KEYS: the period totals that exist already. ARGV: cost. A total not yet seeded stays unseeded (see spendSince). */
const ADD_SPEND = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('INCRBYFLOAT', key, ARGV[1]) end
end
return 1
`;

const CODES = ['admitted', 'requests', 'tokens', 'tokens_too_large', 'concurrency'] as const;
/**
 * How long an admission waits for Redis (the acquire script, a spend read) before the request gets 503
 * limits_unavailable. A stalled Redis (stopped, swapping, a network that drops packets without a reset) never answers
 * and never errors, so without it requests would wait for it without limit.
 */
export const REDIS_ADMISSION_TIMEOUT_MS = 3_000;
/**
 * How long a period's spend total seeded from the usage log is trusted; then it expires and the next check seeds it
 * again. The total drifts from the log when an increment is lost (a failed addSpend whose key could not be dropped, a
 * Redis brought back from an older snapshot, a request finishing while another gateway seeds), and this bounds how
 * long such a drift can let a key overspend.
 */
export const SPEND_RESEED_MS = 5 * 60_000;

export interface RedisRateLimitsOptions {
  /** Test clock; by default Redis's own. */
  now?: () => number;
  windowMs?: number;
  concurrencyRetryAfterMs?: number;
  /** How long a request counts toward concurrency without its gateway renewing it (a gateway that died). */
  leaseMs?: number;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** How long admission waits for Redis; REDIS_ADMISSION_TIMEOUT_MS by default. */
  admissionTimeoutMs?: number;
  /** How long a seeded spend total is trusted; SPEND_RESEED_MS by default. */
  spendReseedMs?: number;
  onError?: (error: unknown) => void;
}

export class RedisRateLimits implements RateLimits {
  readonly #client: RedisClientType;
  readonly #location: string;
  readonly #rules: LimitRules;
  readonly #now: (() => number) | undefined;
  readonly #leaseMs: number;
  readonly #prefix: string;
  readonly #admissionTimeoutMs: number;
  readonly #spendReseedMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #renewals = new Set<NodeJS.Timeout>();

  private constructor(client: RedisClientType, location: string, options: RedisRateLimitsOptions) {
    this.#client = client;
    this.#location = location;
    this.#now = options.now;
    this.#rules = { windowMs: options.windowMs ?? 60_000, concurrencyRetryAfterMs: options.concurrencyRetryAfterMs ?? 1_000 };
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#prefix = options.prefix ?? 'crucible';
    this.#admissionTimeoutMs = options.admissionTimeoutMs ?? REDIS_ADMISSION_TIMEOUT_MS;
    this.#spendReseedMs = options.spendReseedMs ?? SPEND_RESEED_MS;
    this.#onError = options.onError ?? ((error) => console.error(`rate limits (${location}):`, error));
    this.#loadScripts();
    // Connected already: a later 'ready' is a reconnection, perhaps to a Redis restarted from an older snapshot or to
    // a promoted replica, which has none of the scripts and whose spend totals may predate requests already paid for.
    client.on('ready', () => {
      this.#loadScripts();
      void this.#forgetSpendTotals().catch(this.#onError);
    });
  }

  /** Connects to `redis://[user:password@]host:port[/db]` (or `rediss://`) and checks it answers. */
  static async connect(url: string, options: RedisRateLimitsOptions = {}): Promise<RedisRateLimits> {
    const location = redactedUrl(url);
    const onError = options.onError ?? ((error: unknown) => console.error(`rate limits (${location}):`, (error as Error).message ?? error));
    let connected = false;
    const client = redis().createClient({
      url,
      // Fail fast while Redis is away (the request gets a 503), rather than queueing requests behind a dead link.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        // Once connected, keep reconnecting (a Redis restart must not need a gateway restart); never connected, give
        // up after a few tries so a wrong URL fails the start with a message.
        reconnectStrategy: (retries: number, cause: Error) => (connected || retries < 3 ? Math.min(50 * 2 ** retries, 2_000) : cause),
      },
    }) as RedisClientType;
    let lastError: Error | null = null;
    client.on('error', (error: Error) => {
      lastError = error;
      if (connected) onError(error);
    });
    client.on('ready', () => (connected = true));
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      if (client.isOpen) client.destroy();
      const reason = (lastError as Error | null)?.message || (error as Error).message || String(error);
      throw new Error(`Redis limits ${location}: ${reason}. Check the URL and that redis-server is running and reachable.`, { cause: error });
    }
    return new RedisRateLimits(client, location, { ...options, onError });
  }

  async acquire(bucket: string, label: string, limits: KeyLimits, tokens: number): Promise<RateLimitVerdict> {
    const keys = this.#bucketKeys(bucket);
    const id = randomBytes(9).toString('base64url');
    const args = [this.#clock(), this.#rules.windowMs, limits.rpm, limits.tpm, limits.concurrency, Math.max(0, Math.round(tokens)), id, this.#leaseMs].map(String);
    const decided = this.#eval(ACQUIRE, keys, args) as Promise<number[]>;
    let reply: number[];
    try {
      reply = await this.#withinAdmissionTimeout('the rate-limit check', decided);
    } catch (error) {
      // A Redis that was only slow may still admit the request later: take that back, since the client got a 503.
      decided.then((late) => (Number(late[0]) === 0 ? this.#eval(FINISH, keys, [id, '0', '1']) : undefined)).catch(() => undefined);
      throw this.#unavailable(error);
    }
    const [code, retryAfterMs, now, requests, newestRequestAt, tokensUsed, newestTokenAt] = reply.map(Number) as [number, number, number, number, number, number, number];
    const view = { now, requests, newestRequestAt: newestRequestAt < 0 ? null : newestRequestAt, tokens: tokensUsed, newestTokenAt: newestTokenAt < 0 ? null : newestTokenAt };
    const reason = CODES[code]!;
    const decision = (reason === 'admitted' ? { admitted: true, view } : { admitted: false, reason, view, retryAfterMs }) as LimitDecision;
    if (!decision.admitted) return verdictOf(decision, label, limits, tokens, this.#rules, { settle: () => undefined, refund: () => undefined });
    const renewal = setInterval(() => {
      this.#eval(RENEW, [keys[3]!], [id, this.#clock(), String(this.#leaseMs)]).catch(this.#onError);
    }, Math.max(50, Math.floor(this.#leaseMs / 3))).unref();
    this.#renewals.add(renewal);
    let done = false;
    const finish = (refund: boolean, tokensUsedNow: number) => {
      if (done) return;
      done = true;
      clearInterval(renewal);
      this.#renewals.delete(renewal);
      this.#eval(FINISH, keys, [id, String(Math.max(0, Math.round(tokensUsedNow))), refund ? '1' : '0']).catch(this.#onError);
    };
    return verdictOf(decision, label, limits, tokens, this.#rules, { settle: (used) => finish(false, used), refund: () => finish(true, 0) });
  }

  async spendSince(keyId: string, start: string, fromStore: () => Promise<number>): Promise<number> {
    const key = this.#spendKey(keyId, start);
    const kept = await this.#admissionCommand('a spend read', () => this.#client.get(key));
    if (kept !== null) return Number(kept);
    // First look this period, the last total expired, or Redis was emptied: the usage log is the truth to start from.
    const spent = await fromStore();
    await this.#admissionCommand('a spend seed', () => this.#client.set(key, String(spent), { condition: 'NX', expiration: { type: 'PX', value: this.#spendReseedMs } }));
    return Number((await this.#admissionCommand('a spend read', () => this.#client.get(key))) ?? spent);
  }

  addSpend(keyId: string, cost: number, at: Date): void {
    if (!(cost > 0)) return;
    const keys = [this.#spendKey(keyId, periodStart('day', at)), this.#spendKey(keyId, periodStart('month', at))];
    this.#withinAdmissionTimeout('a spend increment', this.#eval(ADD_SPEND, keys, [String(cost)])).catch((error: unknown) => {
      this.#onError(error);
      // The totals may now lack this cost (its row is in the usage log): drop them, so the next check seeds them
      // again from the log. Sent after the increment, so a Redis that was only slow runs both, in that order.
      this.#client.del(keys).catch(this.#onError);
    });
  }

  async close(): Promise<void> {
    for (const renewal of this.#renewals) clearInterval(renewal);
    this.#renewals.clear();
    if (this.#client.isOpen) await this.#client.close();
  }

  /**
   * Loads the scripts before anything else is sent on a new connection. An EVALSHA that meets NOSCRIPT is sent again
   * as EVAL once that answer is back, behind commands sent meanwhile: a settle would then reach Redis after the next
   * request's admission, which would still count the finished request (a 429 for concurrency after a Redis restart).
   */
  #loadScripts(): void {
    for (const script of [ACQUIRE, FINISH, RENEW, ADD_SPEND]) this.#client.sendCommand(['SCRIPT', 'LOAD', script]).catch(this.#onError);
  }

  /** Drops every seeded spend total, so the next check of each key seeds it again from the usage log. */
  async #forgetSpendTotals(): Promise<void> {
    const pattern = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}:spend:*`;
    let cursor = '0';
    do {
      const [next, keys] = (await this.#client.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [string, string[]];
      if (keys.length > 0) await this.#client.sendCommand(['UNLINK', ...keys]);
      cursor = next;
    } while (cursor !== '0');
  }

  #clock(): string {
    return this.#now ? String(Math.floor(this.#now())) : '-1';
  }

  #bucketKeys(bucket: string): string[] {
    const tag = `${this.#prefix}:rl:{${bucket}}`;
    return [`${tag}:req`, `${tag}:tok`, `${tag}:tokn`, `${tag}:conc`, `${tag}:toksum`];
  }

  #spendKey(keyId: string, start: string): string {
    return `${this.#prefix}:spend:{${keyId}}:${start}`;
  }

  /** A Redis read or write made during admission: a failure, or silence past the admission timeout, is a 503. */
  async #admissionCommand<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await this.#withinAdmissionTimeout(what, command());
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  /** `command`, or an error once it has not answered within the admission timeout (its late answer is ignored). */
  async #withinAdmissionTimeout<T>(what: string, command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${this.#admissionTimeoutMs} ms`)), this.#admissionTimeoutMs);
    });
    try {
      return await Promise.race([command, silence]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** EVALSHA, loading the script with EVAL when Redis does not have it (first use, or after a restart). */
  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    const sha = sha1Of(script);
    try {
      return await this.#client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return this.#client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]);
    }
  }

  #unavailable(error: unknown): OpenAiError {
    this.#onError(error);
    return new OpenAiError(503, 'limits_unavailable', `The rate-limit store (${this.#location}) did not answer: ${(error as Error).message ?? error}. Retry shortly.`, { retryAfterMs: 1_000 });
  }
}

const sha1s = new Map<string, string>();
function sha1Of(script: string): string {
  let sha = sha1s.get(script);
  if (!sha) sha1s.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return sha;
}
