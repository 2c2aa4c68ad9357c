// The serving store a CLI command reads and writes: `--store URL` (a `postgres://` URL shared by several gateways),
// else the URL in CRUCIBLE_STORE_URL, else the data directory's SQLite database.
import { resolveDataDir } from '../../config/data-dir.ts';
import { storeUrlOf } from '../../endpoint/gateway-backends.ts';
import { openServingStore, type ServingStore } from '../../endpoint/store/serving-store.ts';
import type { CliIo } from '../io.ts';

export const STORE_OPTIONS = {
  store: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

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
