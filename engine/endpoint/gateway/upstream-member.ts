// One remote upstream in the gateway's pools: where it is, what it serves, how loaded it is, and whether it may take
// requests. Health moves between up, down (cooling down, then probed back in) and throttled (a retry-after it sent).
import type { UpstreamConfig } from '../../../nodes/api-endpoint/upstreams.ts';
import { memberName, parseUpstreamUrl } from '../../../nodes/api-endpoint/upstreams.ts';

export type MemberHealth = 'unknown' | 'up' | 'down';

/**
 * A refused connection, an unhealthy health check or a stream cut mid-way mean it cannot serve: down at once. Other
 * failures (5xx, timeouts, a reset before the first byte, which a stale keep-alive socket also gives) count up to
 * this many in a row.
 */
const FAILURES_BEFORE_DOWN = 3;
/** Probe-backs of a member that keeps failing slow down to one per this long, so a restarted upstream is back within it. */
const MAX_COOLDOWN_MS = 10_000;

export interface MemberClock {
  now(): number;
}

export class UpstreamMember {
  readonly name: string;
  /** Always ends in /v1. */
  readonly baseUrl: URL;
  readonly weight: number;
  readonly maxConcurrency: number;
  /** Added to every request and probe; read from the environment once, at start. */
  readonly authorization: string | null;
  /** True when the config lists no models: the member serves what its /v1/models says. */
  readonly discoversModels: boolean;
  /** Public name → the upstream's own name. */
  #models: Map<string, string>;
  #health: MemberHealth = 'unknown';
  #inFlight = 0;
  #failuresInARow = 0;
  #cooldownMs: number;
  readonly #baseCooldownMs: number;
  #downUntil = 0;
  #throttledUntil = 0;
  #lastError: string | null = null;
  readonly #clock: MemberClock;

  constructor(config: UpstreamConfig, options: { env: NodeJS.ProcessEnv; cooldownMs: number; clock?: MemberClock }) {
    const url = parseUpstreamUrl(config.url);
    if (typeof url === 'string') throw new Error(`upstream "${config.url}": url ${url}`);
    this.name = memberName(config);
    this.baseUrl = url;
    this.weight = config.weight;
    this.maxConcurrency = config.maxConcurrency;
    this.authorization = authorizationFrom(config, options.env, this.name);
    this.discoversModels = config.models.length === 0;
    this.#models = new Map(config.models.map((model) => [model.servedAs ?? model.name, model.name]));
    this.#baseCooldownMs = options.cooldownMs;
    this.#cooldownMs = options.cooldownMs;
    this.#clock = options.clock ?? { now: Date.now };
  }

  get health(): MemberHealth {
    return this.#health;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** Public model names it serves. */
  get models(): string[] {
    return [...this.#models.keys()];
  }

  serves(model: string): boolean {
    return this.#models.has(model);
  }

  /** The name the upstream knows `model` by. */
  upstreamModel(model: string): string {
    return this.#models.get(model) ?? model;
  }

  /** From a /v1/models answer, for a member whose config lists none. */
  learnModels(ids: string[]): void {
    if (this.discoversModels) this.#models = new Map(ids.map((id) => [id, id]));
  }

  /** May it take one more request now? Down, throttled or at its cap: no. Unknown (not yet probed): yes. */
  available(): boolean {
    if (this.#health === 'down') return false;
    if (this.#clock.now() < this.#throttledUntil) return false;
    return this.maxConcurrency === 0 || this.#inFlight < this.maxConcurrency;
  }

  /** When a down or throttled member may be tried again (ms since epoch); 0 when it may now. */
  availableAt(): number {
    return Math.max(this.#health === 'down' ? this.#downUntil : 0, this.#throttledUntil);
  }

  /** Whether the prober should try it now: always when up or unknown; when down, once its cooldown is over. */
  dueForProbe(): boolean {
    return this.#health !== 'down' || this.#clock.now() >= this.#downUntil;
  }

  begin(): () => void {
    this.#inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
    };
  }

  succeeded(): void {
    this.#failuresInARow = 0;
    this.#cooldownMs = this.#baseCooldownMs;
    this.#health = 'up';
    this.#lastError = null;
  }

  /** A request or probe failed. `downAtOnce`: the connection was refused or cut, or a health check failed: no second chance. */
  failed(reason: string, { downAtOnce }: { downAtOnce: boolean }): void {
    this.#lastError = reason;
    this.#failuresInARow++;
    if (this.#health === 'down') {
      // A failed probe-back: wait longer before the next one.
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, Math.max(MAX_COOLDOWN_MS, this.#baseCooldownMs));
      this.#downUntil = this.#clock.now() + this.#cooldownMs;
      return;
    }
    if (downAtOnce || this.#failuresInARow >= FAILURES_BEFORE_DOWN) {
      this.#health = 'down';
      this.#downUntil = this.#clock.now() + this.#cooldownMs;
    }
  }

  /** It asked us to wait (429 or 503 with retry-after): no requests until then, but it is not broken. */
  throttle(retryAfterMs: number): void {
    this.#throttledUntil = Math.max(this.#throttledUntil, this.#clock.now() + retryAfterMs);
  }
}

function authorizationFrom(config: UpstreamConfig, env: NodeJS.ProcessEnv, name: string): string | null {
  if (config.apiKeyEnv === undefined) return null;
  const key = env[config.apiKeyEnv];
  if (!key) throw new Error(`upstream "${name}": the environment variable ${config.apiKeyEnv} (its apiKeyEnv) is not set; export the upstream's API key in it before starting`);
  return `Bearer ${key}`;
}
