// The serving store a CLI command reads and writes: `--store URL` (a `postgres://` URL shared by several gateways),
// else the URL in CRUCIBLE_STORE_URL, else the data directory's SQLite database. `--limits URL` / CRUCIBLE_LIMITS_URL
// name the Redis that shares rate-limit windows.
import { resolveDataDir } from '../../config/data-dir.ts';
import { openServingStore, type ServingStore } from '../../endpoint/store/serving-store.ts';
import type { CliIo } from '../io.ts';

export const STORE_URL_ENV = 'CRUCIBLE_STORE_URL';
export const LIMITS_URL_ENV = 'CRUCIBLE_LIMITS_URL';

export const STORE_OPTIONS = {
  store: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** The store URL in force, or null for the data directory's database. */
export function storeUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag ?? (env[STORE_URL_ENV] || null);
}

/** The limits URL in force, or null for windows in this process. */
export function limitsUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag ?? (env[LIMITS_URL_ENV] || null);
}

/** The store, or null once a store that cannot be opened (unreachable, wrong URL) is reported on stderr. */
export async function openCliStore(flags: { store?: string; 'data-dir'?: string }, io: CliIo, command: string): Promise<ServingStore | null> {
  const url = storeUrlOf(flags.store, io.env);
  try {
    return await openServingStore(url ?? { dataDir: resolveDataDir(flags['data-dir'], io.env) });
  } catch (error) {
    io.stderr.write(`${command}: ${(error as Error).message}\n`);
    return null;
  }
}
