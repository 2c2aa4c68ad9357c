// A request is watched from its first moment, not only once admitted: a client that leaves while its admission waits
// (here on a Redis that stopped answering, SIGSTOP) is neither generated nor sent upstream, and gives back what
// admission granted it; requestTimeoutMs counts admission too. Real HTTP, a real redis-server.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisRateLimits } from './redis-rate-limits.ts';
import { postJson, waitFor, waitForUsageRows } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';
import { requireServer, startRedis, type RedisServer } from './testing/shared-servers.ts';
import { openRedisAdmin, type RedisAdmin } from './testing/stalled-redis.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './gateway/testing/scripted-upstream.ts';

const available = requireServer('Redis');
const test = it.skipIf(!available.ok);
let redis: RedisServer | null = null;
let admin: RedisAdmin | null = null;
let limits: RedisRateLimits | null = null;
let served: TestServer | null = null;
let upstream: ScriptedUpstream | null = null;
let prefix = '';
let prefixes = 0;
/** Requests that reached the limits' admission (where a stopped Redis holds them). */
let admissions = 0;

beforeAll(async () => {
  if (!available.ok) return;
  redis = await startRedis();
  admin = await openRedisAdmin(redis.url);
});
afterEach(async () => {
  admin?.resumeAll();
  await served?.close();
  await limits?.close();
  await upstream?.close();
  served = null;
  limits = null;
  upstream = null;
});
afterAll(async () => {
  await admin?.close();
  await redis?.stop();
});

/** A server whose limits wait on Redis (one request at a time for everyone), with a remote model beside the local one. */
async function start(options: { requestTimeoutMs?: number } = {}): Promise<TestServer> {
  upstream = await startScriptedUpstream({ model: 'remote-model' });
  // Long enough that only the client, or the request timeout, can end a wait on the stopped Redis.
  prefix = `a${++prefixes}`;
  limits = await RedisRateLimits.connect(redis!.url, { prefix, admissionTimeoutMs: 120_000, onError: () => undefined });
  const acquire = limits.acquire.bind(limits);
  limits.acquire = (...args) => {
    admissions++;
    return acquire(...args);
  };
  served = await startTestServer({
    config: { auth: 'none', rateLimit: { rpm: 0, tpm: 0, concurrency: 1 }, upstreams: [{ url: upstream.baseURL, models: [{ name: 'remote-model' }] }], routing: { healthCheckIntervalMs: 60_000 } },
    generator: { tokenDelayMs: 20 },
    server: { limits, requestTimeoutMs: options.requestTimeoutMs },
  });
  return served;
}

function countGenerations(server: TestServer): { started: number } {
  const counts = { started: 0 };
  const generate = server.generator.generate.bind(server.generator);
  server.generator.generate = (request, signal) => {
    counts.started++;
    return generate(request, signal);
  };
  return counts;
}

/**
 * Sends a request, lets it reach admission on the stopped Redis, then leaves: the socket is destroyed, as a client
 * that crashes or is killed does (fetch's abort may keep it open a while). Resolves once the socket is closed.
 */
async function leaveDuringAdmission(url: string, body: Record<string, unknown>): Promise<void> {
  const payload = JSON.stringify(body);
  const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } });
  request.on('error', () => undefined);
  request.on('response', (response) => {
    throw new Error(`the request was answered (${response.statusCode}) while its admission should still wait`);
  });
  const before = admissions;
  request.end(payload);
  // Left only once the server is waiting on the stopped Redis: a fixed pause could end before the request got there.
  await waitFor(() => admissions > before);
  const closed = new Promise((resolve) => request.once('close', resolve));
  request.destroy();
  await closed;
}

/**
 * Waits until Redis's windows hold nothing of the departed request: a refund takes it out of the request window
 * too, where a request that ran stays counted for the minute.
 */
async function refunded(): Promise<void> {
  const window = `${prefix}:rl:{anonymous}`;
  await waitFor(async () => (await admin!.client.zCard(`${window}:conc`)) === 0 && (await admin!.client.zCard(`${window}:req`)) === 0, 10_000);
}

async function usageRows(server: TestServer): Promise<Array<{ model: string; status: number; error_code: string | null; completion_tokens: number }>> {
  await server.store.requests.flush();
  return (await server.store.sql.all('SELECT model, status, error_code, completion_tokens FROM api_requests ORDER BY at')) as never;
}

const local = { model: 'bard-mini', prompt: 'First', max_tokens: 8, stream: true, logit_bias: { '0': -100 } };
const remote = { model: 'remote-model', messages: [{ role: 'user', content: 'Speak.' }], max_tokens: 8, stream: true };

test('a client that leaves while its admission waits is not generated, and its grant is given back', async () => {
  const server = await start();
  const generations = countGenerations(server);
  const resume = admin!.stall();
  try {
    await leaveDuringAdmission(`${server.baseURL}/completions`, local);
  } finally {
    resume();
  }
  // The stopped Redis admits the departed request once resumed; the server refunds it at once, so the one concurrent
  // slot goes to the next request instead of a generation nobody reads.
  await refunded();
  const next = await postJson(`${server.baseURL}/completions`, { ...local, stream: false });
  expect(next.status).toBe(200);
  await next.text();
  expect(generations.started).toBe(1);
  expect(server.deployment.running).toBe(0);
  expect((await usageRows(server))[0]).toMatchObject({ status: 499, error_code: 'client_closed', completion_tokens: 0 });
});

test('a client that leaves while its admission waits is not sent upstream, and its grant is given back', async () => {
  const server = await start();
  const resume = admin!.stall();
  try {
    await leaveDuringAdmission(`${server.baseURL}/chat/completions`, remote);
  } finally {
    resume();
  }
  await refunded();
  const next = await postJson(`${server.baseURL}/chat/completions`, { ...remote, stream: false });
  expect(next.status).toBe(200);
  await next.text();
  expect(upstream!.received).toHaveLength(1);
  expect((await usageRows(server))[0]).toMatchObject({ model: 'remote-model', status: 499, error_code: 'client_closed' });
});

test('requestTimeoutMs counts the wait in admission: a stopped Redis gets the request a 504, local or remote', async () => {
  const server = await start({ requestTimeoutMs: 300 });
  const resume = admin!.stall();
  try {
    for (const [path, body] of [['completions', local], ['chat/completions', remote]] as const) {
      // Redis stays stopped throughout: only the request's own timer can answer.
      const response = await postJson(`${server.baseURL}/${path}`, { ...body, stream: false }, {}, AbortSignal.timeout(30_000));
      expect(response.status).toBe(504);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('timeout');
    }
  } finally {
    resume();
  }
  // The second row is queued when its response closes, which may come just after the client has read it.
  await waitForUsageRows(server.store, 2);
  expect((await usageRows(server)).map((row) => [row.status, row.error_code])).toEqual([
    [504, 'timeout'],
    [504, 'timeout'],
  ]);
});
