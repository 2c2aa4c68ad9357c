// `crucible keys` and `crucible usage` against a shared PostgreSQL store (a real server started by the test harness),
// named by --store or by CRUCIBLE_STORE_URL: what one command writes, the next reads, and the data directory's own
// database stays untouched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openServingStore } from '../../endpoint/store/serving-store.ts';
import { requireServer, startPostgres, type PostgresServer } from '../../endpoint/testing/shared-servers.ts';
import { runCliIn } from '../testing/run-cli-in.ts';

const available = requireServer('PostgreSQL').ok;
let postgres: PostgresServer | null = null;
let dataDir = '';

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-keys-pg-'));
  if (available) postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cli = (env: Record<string, string>, ...args: string[]) => runCliIn(dataDir, args, env);

it.skipIf(!available)('creates, updates, lists and revokes keys and reports usage in PostgreSQL, by flag or by environment', async () => {
  const url = await postgres!.newDatabase();
  const created = await cli({}, 'keys', 'create', '--name', 'shared', '--rpm', '60', '--store', url);
  expect(created.code).toBe(0);
  const secret = /sk-[A-Za-z0-9_-]{43}/.exec(created.out)![0];
  expect((await cli({ CRUCIBLE_STORE_URL: url }, 'keys', 'update', 'shared', '--tpm', '9000')).code).toBe(0);
  const store = await openServingStore(url);
  try {
    expect(await store.keys.check(secret)).toMatchObject({ ok: true, key: { name: 'shared', rpm: 60, tpm: 9000 } });
    const keyId = (await store.keys.list())[0]!.id;
    store.requests.record({ requestId: 'r1', keyId, model: 'm', endpoint: '/v1/completions', status: 200, errorCode: null, promptTokens: 4, completionTokens: 6, cost: 0.5, currency: 'USD', latencyMs: 12, ttftMs: 3, at: '2026-03-01T10:00:00.000Z' });
  } finally {
    await store.close();
  }
  const usage = await cli({ CRUCIBLE_STORE_URL: url }, 'usage', '--key', 'shared');
  expect(usage.out).toMatch(/2026-03-01\s+shared\s+m\s+1\s+0\s+4\s+6\s+0\.5000 USD/);
  // The data directory's SQLite database knows nothing of it.
  expect((await cli({}, 'keys', 'list')).out).toContain('no API keys yet');
  expect((await cli({}, 'keys', 'revoke', 'shared', '--store', url)).code).toBe(0);
  expect((await cli({ CRUCIBLE_STORE_URL: url }, 'keys', 'list')).out).toMatch(/shared\s+revoked/);
}, 60_000);

it('names an unreachable store without its password', async () => {
  const result = await cli({}, 'keys', 'list', '--store', 'postgres://admin:s3cret@127.0.0.1:1/crucible');
  expect(result.code).not.toBe(0);
  expect(result.err).toContain('postgres://admin:***@127.0.0.1:1/crucible');
  expect(result.err).not.toContain('s3cret');
});
