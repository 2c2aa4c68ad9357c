// Several gateways, one truth, end to end: three real `crucible gateway` processes in front of one upstream share
// one PostgreSQL store and one Redis, started by the test harness. A round-robin client spends one key's rpm
// through all three (admitted = the limit, ± 1), and a gateway stopped mid-load loses no usage row of a request
// that completed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKeyRequestSchema } from '../../app/protocol/serving-api.ts';
import { openServingStore, type ServingStore } from './store/serving-store.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';
import { requireServer, startPostgres, startRedis, type PostgresServer, type RedisServer } from './testing/shared-servers.ts';

const CLI = fileURLToPath(new URL('../../bin/crucible.js', import.meta.url));
const ready = requireServer('PostgreSQL').ok && requireServer('Redis').ok;

interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

let postgres: PostgresServer | null = null;
let redis: RedisServer | null = null;
let upstream: TestServer | null = null;
let store: ServingStore | null = null;
let storeUrl = '';
let dataDir = '';
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  if (!ready) return;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-gateways-'));
  [postgres, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startTestServer({ config: { auth: 'none' }, deployment: { maxBatchSize: 16, maxQueue: 64 } })]);
  storeUrl = await postgres.newDatabase();
  store = await openServingStore(storeUrl);
  gateways.push(...(await Promise.all([0, 1, 2].map(() => startGateway()))));
}, 180_000);

afterAll(async () => {
  for (const gateway of gateways) if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  await store?.close();
  await upstream?.close();
  await redis?.stop();
  await postgres?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function startGateway(): Promise<GatewayProcess> {
  // Port 0, read back from its "Gateway at" line: a port picked free here could be taken before the gateway listens.
  const args = [CLI, 'gateway', '--upstream', `${upstream!.url}=bard-mini`, '--port', '0', '--store', storeUrl, '--limits', redis!.url, '--data-dir', dataDir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CRUCIBLE_STORE_URL: '', CRUCIBLE_LIMITS_URL: '' } });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!/Gateway at .*\n/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`a gateway did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(output).toContain('store: PostgreSQL');
  expect(output).toContain('limits: Redis');
  const url = /Gateway at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output)![1]!;
  return { url, child, output: () => output };
}

async function complete(gateway: GatewayProcess, key: string): Promise<{ status: number; requestId: string | null; body: string }> {
  const response = await fetch(`${gateway.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'bard-mini', prompt: 'First', max_tokens: 3, seed: 1 }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: await response.text() };
}

async function createKey(request: { name: string; rpm?: number }): Promise<string> {
  return (await store!.keys.create(createApiKeyRequestSchema.parse(request))).key;
}

it.skipIf(!ready)('three gateways behind a round-robin client admit one key\'s rpm once, not once per gateway', async () => {
  const key = await createKey({ name: 'fleet', rpm: 12 });
  // Waves of 9 at once, three per gateway: the windows are decided in Redis, so no gateway admits past the shared limit.
  const results: { status: number; body: string }[] = [];
  for (let wave = 0; wave < 4; wave++) {
    results.push(...(await Promise.all(Array.from({ length: 9 }, (_, i) => complete(gateways[i % 3]!, key)))));
  }
  const admitted = results.filter((result) => result.status === 200).length;
  const limited = results.filter((result) => result.status === 429 && result.body.includes('rate_limit_exceeded')).length;
  expect(admitted + limited).toBe(36);
  expect(Math.abs(admitted - 12)).toBeLessThanOrEqual(1);
  // Every request, admitted or refused, is one usage row in the shared store, whichever gateway took it.
  await waitForRows('fleet', 36);
}, 120_000);

it.skipIf(!ready)('a gateway stopped mid-load loses no usage row of a request that completed', async () => {
  const key = await createKey({ name: 'steady' });
  const completed: { requestId: string; gateway: number }[] = [];
  let stopped = false;
  const client = async (lane: number) => {
    for (let i = 0; i < 12; i++) {
      const index = (lane + i) % 3;
      if (index === 1 && stopped) continue;
      const result = await complete(gateways[index]!, key).catch(() => null);
      if (result?.status === 200 && result.requestId) completed.push({ requestId: result.requestId, gateway: index });
    }
  };
  const load = Promise.all([0, 1, 2, 3, 4, 5].map(client));
  // Stop it once it has answered some requests of its own, with more on their way to every gateway.
  const deadline = Date.now() + 30_000;
  while (!completed.some((request) => request.gateway === 1) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  // SIGTERM, as a process manager stops a gateway: it answers what it can and writes its queued usage rows.
  const exited = new Promise((resolve) => gateways[1]!.child.once('exit', resolve));
  gateways[1]!.child.kill('SIGTERM');
  stopped = true;
  await exited;
  await load;
  // The stopped gateway had completed requests of its own, and the others carried on.
  expect(completed.filter((request) => request.gateway === 1).length).toBeGreaterThan(0);
  expect(completed.filter((request) => request.gateway !== 1).length).toBeGreaterThan(20);
  await waitForRows('steady', completed.length);
  const logged = new Set((await store!.sql.all<{ request_id: string }>('SELECT r.request_id FROM api_requests r JOIN api_keys k ON k.id = r.key_id WHERE k.name = ?', ['steady'])).map((row) => row.request_id));
  expect(completed.filter((request) => !logged.has(request.requestId))).toEqual([]);
}, 120_000);

/** The surviving gateways flush every 200 ms; wait until the store holds at least `count` rows for the key. */
async function waitForRows(keyName: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { totals } = await store!.requests.report({ keyName });
    if (totals.requests >= count) return;
    if (Date.now() > deadline) throw new Error(`the store holds ${totals.requests} rows for ${keyName}, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
