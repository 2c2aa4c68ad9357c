// `crucible serve MODEL_DIR --store URL --limits URL`: a tiny model served with its keys and usage log in a real
// PostgreSQL and its rate limits in a real Redis (both started by the test harness); a store it cannot reach ends
// the command with one message that hides the password.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKeyRequestSchema } from '../../../app/protocol/serving-api.ts';
import { openServingStore } from '../../endpoint/store/serving-store.ts';
import { requireServer, startPostgres, startRedis, type PostgresServer, type RedisServer } from '../../endpoint/testing/shared-servers.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { EXIT } from '../io.ts';
import { startCliIn } from '../testing/run-cli-in.ts';

const ready = requireServer('PostgreSQL').ok && requireServer('Redis').ok;
let fixture: TinyModelFolder;
let dataDir: string;
let postgres: PostgresServer | null = null;
let redis: RedisServer | null = null;

beforeAll(async () => {
  fixture = writeTinyModelFolder();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-serve-shared-'));
  if (ready) [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await redis?.stop();
  await postgres?.stop();
  fixture.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startCli = (args: string[], env: Record<string, string> = {}) => startCliIn(dataDir, args, { env, cwd: path.dirname(fixture.folder) });

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it.skipIf(!ready)('serves with keys and usage in PostgreSQL and rate limits in Redis', async () => {
  const storeUrl = await postgres!.newDatabase();
  const store = await openServingStore(storeUrl);
  try {
    const { key } = await store.keys.create(createApiKeyRequestSchema.parse({ name: 'one-a-minute', rpm: 1 }));
    // The store by flag, the limits by environment variable.
    const cli = startCli(['serve', fixture.folder, '--name', 'shared-model', '--device', 'cpu', '--threads', '1', '--port', '0', '--store', storeUrl], { CRUCIBLE_LIMITS_URL: redis!.url });
    await waitFor(() => cli.stdout().includes('Serving') || cli.stderr().includes('serve:'), 'the "Serving" line');
    expect(cli.stderr()).toMatch(/store: PostgreSQL postgres:\/\/crucible@127\.0\.0\.1:\d+\/crucible_test_\d+_\d+; limits: Redis redis:\/\/127\.0\.0\.1:\d+/);
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(cli.stdout())![1]!;
    const ask = () => fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'shared-model', prompt: 'ab', max_tokens: 2 }) });
    expect((await ask()).status).toBe(200);
    const second = await ask();
    expect(second.status).toBe(429);
    expect(second.headers.get('x-ratelimit-limit-requests')).toBe('1');
    cli.interrupt();
    expect(await cli.code).toBe(EXIT.ok);
    const report = await store.requests.report({ keyName: 'one-a-minute' });
    expect([report.totals.requests, report.totals.errors]).toEqual([2, 1]);
  } finally {
    await store.close();
  }
}, 120_000);

it('ends with one message, password hidden, when the store cannot be reached', async () => {
  const cli = startCli(['serve', fixture.folder, '--name', 'shared-model', '--device', 'cpu', '--threads', '1', '--port', '0', '--store', 'postgres://gw:hunter2@127.0.0.1:1/crucible']);
  expect(await cli.code).toBe(EXIT.failed);
  expect(cli.stderr()).toContain('serve: PostgreSQL store postgres://gw:***@127.0.0.1:1/crucible');
  expect(cli.stderr()).not.toContain('hunter2');
}, 120_000);
