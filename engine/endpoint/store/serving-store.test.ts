// The serving store's contract, run against both databases: the engine's SQLite file and a real PostgreSQL server
// (started by the test harness). Same tests, same expectations — keys, the usage log, rollups, migrations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyRequestSchema, type CreateApiKeyRequest } from '../../../app/protocol/serving-api.ts';
import { Deployment } from '../deployment.ts';
import { createOpenAiServer } from '../openai-server.ts';
import { BigramGenerator } from '../testing/bigram-generator.ts';
import { postJson, waitFor, waitForUsageRows } from '../testing/http-helpers.ts';
import { DEFAULT_SAMPLING, TRAINING_TEXT } from '../testing/serving-harness.ts';
import { requireServer, startPostgres, type PostgresServer } from '../testing/shared-servers.ts';
import { KeyNameTakenError } from './key-store.ts';
import { PostgresClient, QUERY_TIMEOUT_MS } from './postgres-client.ts';
import { RequestLog, UnwrittenUsageError, type RequestRecord } from './request-log.ts';
import { SERVING_MIGRATIONS } from './serving-migration.ts';
import { openServingStore, ServingStore } from './serving-store.ts';

const postgresAvailable = requireServer('PostgreSQL');
let postgres: PostgresServer | null = null;
const tempDirs: string[] = [];
/** Each PostgreSQL store's database URL, so a test can open a second connection to it. */
const urls = new WeakMap<ServingStore, string>();

beforeAll(async () => {
  if (postgresAvailable.ok) postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  name: string;
  available: boolean;
  open(): Promise<ServingStore>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    available: true,
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-store-'));
      tempDirs.push(dir);
      return openServingStore({ dataDir: dir });
    },
  },
  {
    name: 'PostgreSQL',
    available: postgresAvailable.ok,
    open: async () => {
      const url = await postgres!.newDatabase();
      const store = await openServingStore(url);
      urls.set(store, url);
      return store;
    },
  },
];

const ROW = { endpoint: '/v1/completions', errorCode: null, currency: 'USD', latencyMs: 10, ttftMs: 2 };

function usageRow(keyId: string, requestId: string, cost: number): RequestRecord {
  return { ...ROW, requestId, keyId, model: 'm', status: 200, promptTokens: 1, completionTokens: 1, cost, at: '2026-03-01T00:00:00.000Z' };
}

function create(store: ServingStore, request: CreateApiKeyRequest, now?: Date) {
  return store.keys.create(createApiKeyRequestSchema.parse(request), now);
}

describe.each(backends)('serving store on $name', (backend) => {
  const test = it.skipIf(!backend.available);

  test('creates keys it stores only the hash of, finds them by secret, and keeps every setting', async () => {
    const store = await backend.open();
    try {
      const { key, info } = await create(store, { name: 'app', models: ['a', 'b'], rpm: 60, tpm: 5_000_000_000, concurrency: 3, budget: 2.75, period: 'month', expiresAt: '2031-01-01T00:00:00.000Z' });
      expect(key).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
      const rows = await store.sql.all<Record<string, unknown>>('SELECT * FROM api_keys');
      expect(JSON.stringify(rows)).not.toContain(key);
      const check = await store.keys.check(key);
      // tpm past 2^31 and a fractional budget survive: 64-bit integers and doubles on both databases.
      expect(check).toEqual({ ok: true, key: info });
      expect(info).toMatchObject({ name: 'app', models: ['a', 'b'], rpm: 60, tpm: 5_000_000_000, concurrency: 3, budget: 2.75, period: 'month', status: 'active' });
      expect(await store.keys.check(`${key.slice(0, -1)}x`)).toEqual({ ok: false, reason: 'unknown' });
    } finally {
      await store.close();
    }
  });

  test('refuses a second active key of the same name, frees the name on revoke, and tells expired from revoked', async () => {
    const store = await backend.open();
    try {
      const first = await create(store, { name: 'app' });
      await expect(create(store, { name: 'app' })).rejects.toBeInstanceOf(KeyNameTakenError);
      expect((await store.keys.revoke('app'))?.status).toBe('revoked');
      expect(await store.keys.revoke('app')).toBeNull();
      expect(await store.keys.check(first.key)).toMatchObject({ ok: false, reason: 'revoked' });
      const second = await create(store, { name: 'app', expiresAt: '2026-01-01T00:00:00.000Z' }, new Date('2025-12-01T00:00:00Z'));
      expect(await store.keys.check(second.key, new Date('2026-02-01T00:00:00Z'))).toMatchObject({ ok: false, reason: 'expired' });
      expect((await store.keys.list()).map((key) => key.status).sort()).toEqual(['expired', 'revoked']);
    } finally {
      await store.close();
    }
  });

  test('updates only the fields given, keeps the secret, and finds no revoked key to update', async () => {
    const store = await backend.open();
    try {
      const { key } = await create(store, { name: 'app', rpm: 5, budget: 1, period: 'day' });
      const updated = await store.keys.update('app', { rpm: 50, models: ['m'] });
      expect(updated).toMatchObject({ rpm: 50, models: ['m'], budget: 1, period: 'day' });
      expect(await store.keys.check(key)).toMatchObject({ ok: true, key: { rpm: 50, models: ['m'], budget: 1 } });
      await store.keys.update('app', { budget: null, period: null, rpm: null });
      expect(await store.keys.check(key)).toMatchObject({ ok: true, key: { rpm: null, budget: null, period: null } });
      await store.keys.revoke('app');
      expect(await store.keys.update('app', { rpm: 1 })).toBeNull();
    } finally {
      await store.close();
    }
  });

  test('writes usage rows in batches, sums spend per period, and rolls up per day, key and model', async () => {
    const store = await backend.open();
    try {
      const { info } = await create(store, { name: 'app' });
      const record = (fields: Partial<RequestRecord> & Pick<RequestRecord, 'requestId' | 'at'>) =>
        store.requests.record({ ...ROW, keyId: info.id, model: 'm', status: 200, promptTokens: 3, completionTokens: 5, cost: 0.25, ...fields });
      record({ requestId: 'r1', at: '2026-03-01T10:00:00.000Z' });
      record({ requestId: 'r2', at: '2026-03-01T11:00:00.000Z', status: 429, promptTokens: 0, completionTokens: 0, cost: 0, ttftMs: null });
      record({ requestId: 'r3', at: '2026-03-02T09:00:00.000Z', model: 'other', cost: 0.5, estimated: true });
      record({ requestId: 'r4', at: '2026-03-02T09:30:00.000Z', keyId: null, model: null, cost: 0 });
      expect(await store.requests.spendSince(info.id, '2026-03-01T00:00:00.000Z')).toBeCloseTo(0.75, 10);
      expect(await store.requests.spendSince(info.id, '2026-03-02T00:00:00.000Z')).toBeCloseTo(0.5, 10);
      const report = await store.requests.report();
      expect(report.rows).toEqual([
        { day: '2026-03-01', key: 'app', model: 'm', requests: 2, errors: 1, promptTokens: 3, completionTokens: 5, cost: 0.25, currency: 'USD', avgLatencyMs: 10, avgTtftMs: 2 },
        { day: '2026-03-02', key: null, model: null, requests: 1, errors: 0, promptTokens: 3, completionTokens: 5, cost: 0, currency: 'USD', avgLatencyMs: 10, avgTtftMs: 2 },
        { day: '2026-03-02', key: 'app', model: 'other', requests: 1, errors: 0, promptTokens: 3, completionTokens: 5, cost: 0.5, currency: 'USD', avgLatencyMs: 10, avgTtftMs: 2 },
      ]);
      expect(report.totals).toEqual({ requests: 4, errors: 1, promptTokens: 9, completionTokens: 15, cost: 0.75 });
      const filtered = await store.requests.report({ keyName: 'app', since: '2026-03-01T10:30:00.000Z', until: '2026-03-02T00:00:00.000Z' });
      expect(filtered.totals.requests).toBe(1);
      const estimated = await store.sql.all<{ request_id: string; estimated: number }>('SELECT request_id, estimated FROM api_requests ORDER BY request_id');
      expect(estimated.map((row) => [row.request_id, Number(row.estimated)])).toEqual([['r1', 0], ['r2', 0], ['r3', 1], ['r4', 0]]);
    } finally {
      await store.close();
    }
  });

  test('stores a model name holding a NUL byte or a lone surrogate (a client sent it) as U+FFFD, and goes on logging', async () => {
    const store = await backend.open();
    try {
      const { info } = await create(store, { name: 'app' });
      store.requests.record({ ...ROW, requestId: 'nul', keyId: info.id, model: 'x\u0000y', status: 404, promptTokens: 0, completionTokens: 0, cost: 0, at: '2026-03-01T00:00:00.000Z' });
      store.requests.record({ ...ROW, requestId: 'surrogate', keyId: info.id, model: 'a\uD800b', status: 404, promptTokens: 0, completionTokens: 0, cost: 0, at: '2026-03-01T00:00:01.000Z' });
      store.requests.record({ ...ROW, requestId: 'paid', keyId: info.id, model: 'm', status: 200, promptTokens: 1, completionTokens: 1, cost: 2, at: '2026-03-01T00:00:02.000Z' });
      expect(await store.requests.spendSince(info.id, '2026-03-01T00:00:00.000Z')).toBe(2);
      const models = await store.sql.all<{ model: string }>('SELECT model FROM api_requests ORDER BY request_id');
      expect(models.map((row) => row.model)).toEqual(['x\uFFFDy', 'm', 'a\uFFFDb']);
    } finally {
      await store.close();
    }
  });

  test('drops a row the database refuses and writes the rest of its batch, instead of retrying them all forever', async () => {
    const store = await backend.open();
    const errors: string[] = [];
    const log = new RequestLog(store.sql, { flushIntervalMs: 60_000, onError: (error) => errors.push((error as Error).message) });
    try {
      const { info } = await create(store, { name: 'app' });
      const row = (requestId: string, cost: number) => ({ ...ROW, requestId, keyId: info.id, model: 'm', status: 200, promptTokens: 1, completionTokens: 1, cost, at: '2026-03-01T00:00:00.000Z' });
      log.record(row('before', 1));
      log.record({ ...row('refused', 5), endpoint: null as unknown as string }); // NOT NULL: no retry will help
      log.record(row('after', 2));
      await log.flush();
      expect(await log.spendSince(info.id, '2026-03-01T00:00:00.000Z')).toBe(3);
      expect(errors).toEqual([expect.stringMatching(/^dropped the usage row of request refused, which the database refuses \(.+\); the other rows were written$/)]);
      log.record(row('later', 4));
      expect(await log.spendSince(info.id, '2026-03-01T00:00:00.000Z')).toBe(7);
    } finally {
      await store.close();
    }
  });

  test('keeps at most maxQueuedRows while the database does not take them, dropping the oldest and saying how many', async () => {
    const store = await backend.open();
    const warnings: string[] = [];
    const log = new RequestLog(store.sql, { flushIntervalMs: 60_000, maxQueuedRows: 3, onError: (error) => warnings.push((error as Error).message) });
    try {
      const { info } = await create(store, { name: 'app' });
      // The table away: every write fails, as with the database down, and the rows wait.
      await store.sql.run('ALTER TABLE api_requests RENAME TO api_requests_away');
      for (const id of ['r1', 'r2', 'r3']) log.record(usageRow(info.id, id, 1));
      await expect(log.flush()).rejects.toThrow();
      log.record(usageRow(info.id, 'r4', 1));
      log.record(usageRow(info.id, 'r5', 1));
      expect(log.queuedRows).toBe(3);
      // The first drop is reported at once; the next is counted and reported once the database takes rows again.
      const dropped = (count: number, noun: string) => `dropped the usage rows of ${count} ${noun}, the oldest unwritten: 3 rows were already waiting for the database (${store.sql.location}), which is not taking them; \`crucible usage\` and budgets will not count those requests`;
      expect(warnings).toEqual([dropped(1, 'request')]);
      await store.sql.run('ALTER TABLE api_requests_away RENAME TO api_requests');
      await log.flush();
      expect(warnings).toEqual([dropped(1, 'request'), dropped(1, 'request')]);
      const written = await store.sql.all<{ request_id: string }>('SELECT request_id FROM api_requests ORDER BY request_id');
      expect(written.map((row) => row.request_id)).toEqual(['r3', 'r4', 'r5']);
    } finally {
      await store.close();
    }
  });

  test('drain() retries while the database does not take the rows, and writes them once it does', async () => {
    const store = await backend.open();
    const log = new RequestLog(store.sql, { flushIntervalMs: 60_000, onError: () => undefined });
    try {
      const { info } = await create(store, { name: 'app' });
      await store.sql.run('ALTER TABLE api_requests RENAME TO api_requests_away');
      log.record(usageRow(info.id, 'a', 1));
      log.record(usageRow(info.id, 'b', 2));
      const drained = log.drain(60_000);
      // Give it time to fail a few times; the rows are still waiting.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(log.queuedRows).toBe(2);
      await store.sql.run('ALTER TABLE api_requests_away RENAME TO api_requests');
      await drained;
      expect(await log.spendSince(info.id, '2026-03-01T00:00:00.000Z')).toBe(3);
    } finally {
      await store.close();
    }
  });

  test('drain() gives up after its time, drops what it could not write and says how many rows are lost', async () => {
    const store = await backend.open();
    const log = new RequestLog(store.sql, { flushIntervalMs: 60_000, onError: () => undefined });
    try {
      const { info } = await create(store, { name: 'app' });
      await store.sql.run('ALTER TABLE api_requests RENAME TO api_requests_away');
      for (const id of ['a', 'b', 'c']) log.record(usageRow(info.id, id, 1));
      const failure = await log.drain(1_000).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UnwrittenUsageError);
      expect((failure as UnwrittenUsageError).rows).toBe(3);
      expect((failure as Error).message).toMatch(/^3 usage rows could not be written to the store .+ \(.*api_requests.*\) after retrying for 1 s, and are lost: `crucible usage` and budgets will not count those requests$/);
      expect(log.queuedRows).toBe(0);
    } finally {
      await store.close();
    }
  });

  test('two connections to one store see each other\'s keys and rows (two gateways, one truth)', async () => {
    const first = await backend.open();
    const second = await reopen(backend, first);
    try {
      const { key, info } = await create(first, { name: 'shared' });
      expect(await second.keys.check(key)).toMatchObject({ ok: true, key: { id: info.id } });
      first.requests.record({ ...ROW, requestId: 'a', keyId: info.id, model: 'm', status: 200, promptTokens: 1, completionTokens: 1, cost: 1, at: '2026-03-01T00:00:00.000Z' });
      second.requests.record({ ...ROW, requestId: 'b', keyId: info.id, model: 'm', status: 200, promptTokens: 1, completionTokens: 1, cost: 2, at: '2026-03-01T00:00:01.000Z' });
      await first.requests.flush();
      expect((await second.requests.report()).totals.cost).toBe(3);
      await second.keys.revoke('shared');
      expect(await first.keys.check(key)).toMatchObject({ ok: false, reason: 'revoked' });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

/** A second store on the same database as `store`. */
async function reopen(backend: Backend, store: ServingStore): Promise<ServingStore> {
  if (backend.name === 'SQLite') return ServingStore.open({ file: store.sql.location });
  return openServingStore(postgresUrlOf(store));
}

function postgresUrlOf(store: ServingStore): string {
  return urls.get(store)!;
}

describe('PostgreSQL schema migrations', () => {
  it.skipIf(!postgresAvailable.ok)('runs the serving steps once, even when gateways start together, and refuses a newer schema', async () => {
    const url = await postgres!.newDatabase();
    const clients = await Promise.all([0, 1, 2].map(() => PostgresClient.connect(url)));
    try {
      expect(await clients[0]!.schemaVersion()).toBe(SERVING_MIGRATIONS.length);
      const columns = await clients[0]!.all<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'api_requests' AND column_name IN ('id', 'cost', 'estimated') ORDER BY column_name",
      );
      expect(columns).toEqual([
        { column_name: 'cost', data_type: 'double precision' },
        { column_name: 'estimated', data_type: 'bigint' },
        { column_name: 'id', data_type: 'bigint' },
      ]);
      await clients[0]!.run('UPDATE crucible_serving_schema SET version = ?', [SERVING_MIGRATIONS.length + 1]);
      await expect(PostgresClient.connect(url)).rejects.toThrow(/written by a newer release; upgrade Crucible/);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it('names the server and hides the password when it cannot connect', async () => {
    await expect(openServingStore('postgres://someone:hunter2@127.0.0.1:1/nothing')).rejects.toThrow(/postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nothing.*Check the URL/);
    await expect(openServingStore('mysql://u:p@h/db')).rejects.toThrow(/not one Crucible can open: use postgres:\/\//);
  });
});

describe('an endpoint whose PostgreSQL store goes away', () => {
  it.skipIf(!postgresAvailable.ok)('answers 503 store_unavailable with a retry hint instead of admitting unchecked', async () => {
    const own = await startPostgres();
    const url = await own.newDatabase();
    const store = await openServingStore(url, { onError: () => undefined });
    const { key } = await create(store, { name: 'k' });
    const deployment = new Deployment({ generator: new BigramGenerator({ modelId: 'bard-mini', trainingText: TRAINING_TEXT, contextLength: 64 }), maxBatchSize: 2, maxQueue: 2, defaults: DEFAULT_SAMPLING });
    const server = createOpenAiServer({ config: { port: 0 }, deployments: [deployment], store, onWarning: () => undefined, onError: () => undefined });
    const { url: base } = await server.listen();
    try {
      const ask = () => postJson(`${base}/v1/completions`, { model: 'bard-mini', prompt: 'F', max_tokens: 2 }, { authorization: `Bearer ${key}` });
      expect((await ask()).status).toBe(200);
      // Its row is queued when the response closes, maybe just after the client got it: written before the server
      // goes, or it would still be queued at the end.
      await waitForUsageRows(store, 1);
      await own.stop();
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await refused.json()).error.code).toBe('store_unavailable');
      // Requests whose key could not be checked leave no row: made-up keys cannot grow the queue waiting for the store.
      for (let index = 0; index < 20; index++) {
        const madeUp = await postJson(`${base}/v1/completions`, { model: 'bard-mini', prompt: 'F', max_tokens: 2 }, { authorization: `Bearer sk-made-up-${index}` });
        expect(madeUp.status).toBe(503);
        await madeUp.text();
      }
      expect(store.requests.queuedRows).toBe(0);
    } finally {
      await server.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await own.stop();
    }
  }, 120_000);
});

describe('a PostgreSQL server that dies or stalls under the store', () => {
  it.skipIf(!postgresAvailable.ok)('rejects a transaction the server died in, and the process lives on', async () => {
    const own = await startPostgres();
    const store = await openServingStore(await own.newDatabase(), { onError: () => undefined });
    try {
      // Stands in for a big usage batch still being written when the server goes.
      const batch = store.sql.batch([{ sql: 'SELECT pg_sleep(60)', params: [] }]).then(() => 'committed', (error: Error) => error.message);
      const sleeping = () => store.sql.all<{ n: number }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'");
      await waitFor(async () => (await sleeping())[0]!.n === 1, 30_000);
      // The checked-out connection's 'error' event had no listener: Node ended the process (vitest reports it).
      await own.stop();
      expect(await batch).toMatch(/Connection terminated|terminating connection/);
      // And the store answers later queries with an error, as the 503 store_unavailable needs.
      await expect(store.sql.all('SELECT 1')).rejects.toThrow();
    } finally {
      await store.close().catch(() => undefined);
      await own.stop();
    }
  }, 120_000);

  it.skipIf(!postgresAvailable.ok)('fails a query to a server that stopped answering instead of waiting for ever', async () => {
    const client = await PostgresClient.connect(await postgres!.newDatabase(), { maxConnections: 1, onError: () => undefined });
    // One connection in the pool: the next query goes to this backend, stopped as a stalled host would be.
    const [{ pid }] = (await client.all<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
    process.kill(pid, 'SIGSTOP');
    try {
      const never = new Promise((resolve) => setTimeout(resolve, 60_000, 'still waiting after 60 s').unref());
      const outcome = await Promise.race([client.all('SELECT 1').then(() => 'answered', (error: Error) => error.message), never]);
      expect(outcome).toBe(`PostgreSQL did not answer within ${QUERY_TIMEOUT_MS} ms (the server is stalled, overloaded or unreachable)`);
      // The pool gave the stalled connection up: the next query opens another and is answered.
      expect(await client.all<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      process.kill(pid, 'SIGCONT');
      await client.close();
    }
  }, 120_000);

  it.skipIf(!postgresAvailable.ok)('gives up on a statement past the limit, or past a read\'s own, and goes on serving', async () => {
    const client = await PostgresClient.connect(await postgres!.newDatabase());
    try {
      const gaveUp = /^PostgreSQL did not answer within \d+ ms/;
      await expect(client.all(`SELECT pg_sleep(${(QUERY_TIMEOUT_MS + 30_000) / 1000})`)).rejects.toThrow(gaveUp);
      await expect(client.run(`UPDATE crucible_serving_schema SET version = version + 0 WHERE pg_sleep(${(QUERY_TIMEOUT_MS + 30_000) / 1000}) IS NOT NULL`)).rejects.toThrow(gaveUp);
      await expect(client.all('SELECT pg_sleep(30)', [], { timeoutMs: 100 })).rejects.toThrow(/^PostgreSQL did not answer within 100 ms/);
      expect(await client.all<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  }, 120_000);
});
