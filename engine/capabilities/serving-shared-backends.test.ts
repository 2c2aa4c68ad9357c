// An api-endpoint whose config names its shared backends by environment variable (storeEnv, limitsEnv), started
// through the serving capability as the node run starts it: keys come from the PostgreSQL the variable points at,
// the log line says which backends it uses, and a named variable that is unset stops it with a message naming it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKeyRequestSchema } from '../../app/protocol/serving-api.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { openServingStore } from '../endpoint/store/serving-store.ts';
import { requireServer, startPostgres, startRedis, type PostgresServer, type RedisServer } from '../endpoint/testing/shared-servers.ts';
import { createServingCapability } from './serving-capability.ts';

const ready = requireServer('PostgreSQL').ok && requireServer('Redis').ok;
const STORE_VARIABLE = `CRUCIBLE_TEST_STORE_${process.pid}`;
const LIMITS_VARIABLE = `CRUCIBLE_TEST_LIMITS_${process.pid}`;
let postgres: PostgresServer | null = null;
let redis: RedisServer | null = null;
let dataDir = '';

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-shared-endpoint-'));
  if (ready) [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  delete process.env[STORE_VARIABLE];
  delete process.env[LIMITS_VARIABLE];
  await redis?.stop();
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it.skipIf(!ready)('serves with the keys of the PostgreSQL and the limits of the Redis its config names', async () => {
  const storeUrl = await postgres!.newDatabase();
  process.env[STORE_VARIABLE] = storeUrl;
  process.env[LIMITS_VARIABLE] = redis!.url;
  const store = await openServingStore(storeUrl);
  const { key } = await store.keys.create(createApiKeyRequestSchema.parse({ name: 'pipeline' }));
  await store.close();
  const lines: string[] = [];
  const config = apiEndpointConfig.parse({ port: 0, storeEnv: STORE_VARIABLE, limitsEnv: LIMITS_VARIABLE });
  const started = await createServingCapability().startEndpoint({ config, deploymentIds: [], dataDir, log: (line) => lines.push(line) });
  try {
    expect(lines.join('\n')).toMatch(/store: PostgreSQL postgres:\/\/crucible@127\.0\.0\.1:\d+\/crucible_test_\d+_\d+; limits: Redis redis:\/\/127\.0\.0\.1:\d+/);
    expect((await fetch(`${started.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${started.url}/v1/models`, { headers: { authorization: 'Bearer sk-not-a-key' } })).status).toBe(401);
  } finally {
    await started.service.stop();
  }
  // The data directory's own database never saw the key.
  const local = await openServingStore({ dataDir });
  expect(await local.keys.list()).toEqual([]);
  await local.close();
}, 60_000);

it('refuses to start when the variable the config names is not set', async () => {
  const config = apiEndpointConfig.parse({ port: 0, storeEnv: `CRUCIBLE_TEST_UNSET_${process.pid}` });
  await expect(createServingCapability().startEndpoint({ config, deploymentIds: [], dataDir, log: () => undefined })).rejects.toThrow(
    `storeEnv names the environment variable CRUCIBLE_TEST_UNSET_${process.pid}, which is not set`,
  );
});
