// Choosing a gateway's backends: config variable names resolved from the environment, launch URLs winning over them,
// and URLs that name no store or limits backend refused with what to give instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backendUrlsFor, openGatewayBackends } from './gateway-backends.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('gateway backends', () => {
  it('reads the URLs the config names, lets launch URLs win, and says which variable is unset', () => {
    const env = { SHARED_PG: 'postgres://a@h/db', SHARED_REDIS: 'redis://h:6379' };
    expect(backendUrlsFor({}, env)).toEqual({ store: null, limits: null });
    expect(backendUrlsFor({ storeEnv: 'SHARED_PG', limitsEnv: 'SHARED_REDIS' }, env)).toEqual({ store: 'postgres://a@h/db', limits: 'redis://h:6379' });
    expect(backendUrlsFor({ storeEnv: 'SHARED_PG' }, env, { store: 'postgres://b@h/other' }).store).toBe('postgres://b@h/other');
    expect(() => backendUrlsFor({ limitsEnv: 'MISSING_REDIS' }, env)).toThrow(/limitsEnv names the environment variable MISSING_REDIS, which is not set/);
  });

  it('defaults to the data directory\'s SQLite and this process\'s windows, and refuses a limits URL that is not Redis', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-backends-'));
    dirs.push(dataDir);
    const backends = await openGatewayBackends({ dataDir });
    try {
      expect(backends.limits).toBeNull();
      expect(backends.describe()).toBe(`store: SQLite ${path.join(dataDir, 'crucible.db')}; limits: in this process`);
    } finally {
      await backends.close();
    }
    await expect(openGatewayBackends({ dataDir, limits: 'memcached://h:11211' })).rejects.toThrow(/give redis:\/\//);
  });
});
