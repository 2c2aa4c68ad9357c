// `crucible gateway` through runCli: routes to a real upstream server on loopback, answers /health per pool, stops on
// Ctrl-C (saying how many usage rows were lost when its PostgreSQL store was away); bad flags are usage errors that
// say which flag.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createApiKeyRequestSchema } from '../../../app/protocol/serving-api.ts';
import { startScriptedUpstream, type ScriptedUpstream } from '../../endpoint/gateway/testing/scripted-upstream.ts';
import { openServingStore } from '../../endpoint/store/serving-store.ts';
import { requireServer, startPostgres, startRedis } from '../../endpoint/testing/shared-servers.ts';
import { openRedisAdmin } from '../../endpoint/testing/stalled-redis.ts';
import { EXIT } from '../io.ts';
import { startCliIn } from '../testing/run-cli-in.ts';

const sharedServers = requireServer('PostgreSQL').ok && requireServer('Redis').ok;
let dataDir: string;
let remote: ScriptedUpstream | null = null;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-gateway-cli-'));
});
afterEach(async () => {
  await remote?.close();
  remote = null;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const startCli = (args: string[]) => startCliIn(dataDir, args);

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('serves an upstream\'s models until interrupted', async () => {
  remote = await startScriptedUpstream({ model: 'remote-model' });
  const cli = startCli(['gateway', '--upstream', `${remote.url}=remote-model`, '--port', '0', '--auth', 'none']);
  await waitFor(() => cli.stdout().includes('Gateway at'), 'the "Gateway at" line');
  expect(cli.stdout()).toContain(`upstream 127.0.0.1:${remote.port} (${remote.baseURL}): up, serving remote-model`);
  const url = /Gateway at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(cli.stdout())![1]!;
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'remote-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status).toBe(200);
  const health = (await (await fetch(`${url}/health`)).json()) as { status: string; pools: Record<string, unknown> };
  expect(health.status).toBe('ok');
  expect(Object.keys(health.pools)).toEqual(['remote-model']);
  cli.interrupt();
  expect(await cli.code).toBe(EXIT.ok);
  await expect(fetch(`${url}/health`)).rejects.toThrow();
});

it.skipIf(!sharedServers)('stopped while its PostgreSQL store is away, says in one line how many usage rows are lost and still closes its connections', async () => {
  const postgres = await startPostgres();
  const redis = await startRedis();
  const admin = await openRedisAdmin(redis.url);
  let cli: ReturnType<typeof startCli> | null = null;
  let ended = false;
  try {
    const storeUrl = await postgres.newDatabase();
    const store = await openServingStore(storeUrl);
    const { key } = await store.keys.create(createApiKeyRequestSchema.parse({ name: 'k' }));
    // The usage table away, so the gateway's rows surely still wait in its queue when the server goes.
    await store.sql.run('ALTER TABLE api_requests RENAME TO api_requests_away');
    await store.close();
    const redisClients = async () => Number(/connected_clients:(\d+)/.exec(await admin.client.info('clients'))![1]);
    remote = await startScriptedUpstream({ model: 'remote-model' });
    const gateway = (cli = startCli(['gateway', '--upstream', `${remote.url}=remote-model`, '--port', '0', '--store', storeUrl, '--limits', redis.url]));
    void gateway.code.finally(() => (ended = true));
    await waitFor(() => gateway.stdout().includes('Gateway at') || gateway.stderr().includes('gateway:'), 'the "Gateway at" line', 60_000);
    expect(gateway.stderr()).toBe('');
    const url = /Gateway at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(gateway.stdout())![1]!;
    expect(await redisClients()).toBeGreaterThan(1);
    for (let index = 0; index < 3; index++) {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'remote-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    await postgres.stop();
    gateway.interrupt();
    expect(await gateway.code).toBe(EXIT.failed);
    const lastLine = gateway.stderr().trimEnd().split('\n').at(-1);
    expect(lastLine).toMatch(/^gateway: stopped, but 3 usage rows could not be written to the store postgres:\/\/crucible@127\.0\.0\.1:\d+\/\w+ \(.+\) after retrying for 10 s, and are lost: `crucible usage` and budgets will not count those requests$/);
    expect(gateway.stderr()).not.toMatch(/^\s+at /m);
    // The store and limits connections were closed all the same: Redis is down to the test's own.
    await waitFor(async () => (await redisClients()) === 1, 'the gateway\'s Redis connections to close', 30_000);
  } finally {
    // A failure before the interrupt above leaves the gateway, which runs in this process, to be stopped here.
    if (cli !== null && !ended) {
      cli.interrupt();
      await cli.code.catch(() => undefined);
    }
    await admin.close();
    await redis.stop();
    await postgres.stop();
  }
}, 120_000);

it('refuses bad upstream flags, naming the flag', async () => {
  const noUpstream = startCli(['gateway', '--port', '0']);
  expect(await noUpstream.code).toBe(EXIT.usage);
  expect(noUpstream.stderr()).toMatch(/needs at least one --upstream/);
  const badUrl = startCli(['gateway', '--upstream', 'ftp://127.0.0.1:1', '--auth', 'none']);
  expect(await badUrl.code).toBe(EXIT.usage);
  expect(badUrl.stderr()).toMatch(/--upstream "ftp:\/\/127.0.0.1:1": give URL\[=model1,model2\]/);
  const credentials = startCli(['gateway', '--upstream', 'http://user:pw@127.0.0.1:1', '--auth', 'none']);
  expect(await credentials.code).toBe(EXIT.usage);
  expect(credentials.stderr()).toMatch(/--upstream #1: must not carry credentials/);
  const badStore = startCli(['gateway', '--upstream', 'http://127.0.0.1:1', '--auth', 'none', '--store', 'mysql://u:secret@db/x']);
  expect(await badStore.code).toBe(EXIT.failed);
  expect(badStore.stderr()).toMatch(/^gateway: store URL .* is not one Crucible can open/);
  expect(badStore.stderr()).not.toContain('secret');
});
