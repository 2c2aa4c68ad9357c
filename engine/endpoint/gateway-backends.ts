// Where a gateway keeps what several gateway processes must agree on: the serving store (keys, usage log) and the
// rate-limit windows. Left out, the data directory's SQLite database and this process's windows (today's default,
// nothing to install); `postgres://…` and `redis://…` URLs share them between gateways.
import type { RateLimits } from './rate-limiter.ts';
import { redactedUrl } from './redacted-url.ts';
import { RedisRateLimits, type RedisRateLimitsOptions } from './redis-rate-limits.ts';
import { openServingStore, type ServingStore } from './store/serving-store.ts';

/** Environment variables a launch reads when no --store / --limits flag is given. */
export const STORE_URL_ENV = 'CRUCIBLE_STORE_URL';
export const LIMITS_URL_ENV = 'CRUCIBLE_LIMITS_URL';

/** The store URL in force: the flag, else CRUCIBLE_STORE_URL; null for the data directory's database. */
export function storeUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag ?? (env[STORE_URL_ENV] || null);
}

/** The limits URL in force: the flag, else CRUCIBLE_LIMITS_URL; null for windows in this process. */
export function limitsUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag ?? (env[LIMITS_URL_ENV] || null);
}

export interface GatewayBackendsOptions {
  /** `postgres://…` or `sqlite:PATH`; left out, `<dataDir>/crucible.db`. */
  store?: string | null;
  /** `redis://…`; left out, windows in this process. */
  limits?: string | null;
  dataDir: string;
  /** Options for Redis limits (tests pass a short window). */
  redis?: RedisRateLimitsOptions;
}

export interface GatewayBackends {
  store: ServingStore;
  /** Null when windows stay in this process: the server then keeps its own `RateLimiter`. */
  limits: RateLimits | null;
  /** How log lines name them: "PostgreSQL postgres://u:***@h/db" and so on. */
  describe(): string;
  close(): Promise<void>;
}

export async function openGatewayBackends(options: GatewayBackendsOptions): Promise<GatewayBackends> {
  const limitsUrl = options.limits ?? null;
  if (limitsUrl !== null && !/^rediss?:\/\//i.test(limitsUrl)) {
    throw new Error(`limits URL "${redactedUrl(limitsUrl)}" is not one Crucible can use: give redis://[USER:PASSWORD@]HOST:PORT[/DB] (or rediss://), or leave it out to keep the windows in this process.`);
  }
  const store = await openServingStore(options.store ?? { dataDir: options.dataDir });
  let limits: RateLimits | null = null;
  try {
    if (limitsUrl !== null) limits = await RedisRateLimits.connect(limitsUrl, options.redis);
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    store,
    limits,
    describe: () => `store: ${store.sql.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} ${store.sql.location}; limits: ${limitsUrl === null ? 'in this process' : `Redis ${redactedUrl(limitsUrl)}`}`,
    close: async () => {
      await Promise.allSettled([store.close(), limits?.close()]);
    },
  };
}

/**
 * The URLs an api-endpoint config names through `storeEnv` / `limitsEnv`; a named variable that is unset or empty is
 * an error saying which. URLs given directly (`crucible serve --store URL`) win over the config's.
 */
export function backendUrlsFor(config: { storeEnv?: string; limitsEnv?: string }, env: NodeJS.ProcessEnv, given: { store?: string | null; limits?: string | null } = {}): { store: string | null; limits: string | null } {
  const read = (field: 'storeEnv' | 'limitsEnv'): string | null => {
    const name = config[field];
    if (name === undefined) return null;
    const value = env[name];
    if (!value) throw new Error(`api-endpoint: ${field} names the environment variable ${name}, which is not set in the engine's environment; set it to the URL, or remove ${field}`);
    return value;
  };
  return { store: given.store ?? read('storeEnv'), limits: given.limits ?? read('limitsEnv') };
}
