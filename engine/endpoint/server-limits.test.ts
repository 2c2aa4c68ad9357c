// Keys, limits and load shedding over real HTTP: hashes at rest, expiry, revoke, exact rpm/tpm/concurrency with
// their headers, budgets, the bounded queue, disconnects, health, crashes, timeouts, CORS, body size and the log.
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey, openStream, postJson, sseRecords, waitFor, waitForUsageRows } from './testing/http-helpers.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './testing/serving-harness.ts';

const MODEL = 'bard-mini';
let served: TestServer | null = null;
let clockMs = Date.parse('2026-03-10T12:00:00Z');

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  clockMs = Date.parse('2026-03-10T12:00:00Z');
  served = await startTestServer({ ...options, server: { now: () => clockMs, ...options.server } });
  return served;
}
afterEach(async () => {
  await served?.close();
  served = null;
});

const complete = (server: TestServer, key: string, body: Record<string, unknown> = {}) =>
  postJson(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 2, ...body }, { authorization: `Bearer ${key}` });

describe('API keys', () => {
  it('keeps only a SHA-256 hash of each key at rest', async () => {
    const server = await start();
    const key = await createKey(server.store, { name: 'hashed' });
    await server.store.requests.flush();
    const db = new Database(path.join(server.dataDir, 'crucible.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(key.slice(3));
    expect(rows[0]!.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect((await complete(server, key)).status).toBe(200);
  });

  it('refuses an expired key and a revoked key with 401', async () => {
    const server = await start();
    const expiring = await createKey(server.store, { name: 'short-lived', expiresAt: '2026-03-10T13:00:00Z' });
    const revoked = await createKey(server.store, { name: 'revoked' });
    expect((await complete(server, expiring)).status).toBe(200);
    expect((await complete(server, revoked)).status).toBe(200);
    await server.store.keys.revoke('revoked');
    clockMs += 2 * 3_600_000;
    const expiredAnswer = await complete(server, expiring);
    expect(expiredAnswer.status).toBe(401);
    expect(((await expiredAnswer.json()) as { error: { message: string; code: string } }).error).toMatchObject({ code: 'invalid_api_key', message: expect.stringContaining('expired') });
    const revokedAnswer = await complete(server, revoked);
    expect(revokedAnswer.status).toBe(401);
    expect(((await revokedAnswer.json()) as { error: { message: string } }).error.message).toContain('revoked');
  });

  it('applies a key update from the next request, with the same secret: scope, limits and budget', async () => {
    const server = await start();
    const key = await createKey(server.store, { name: 'tuned', rpm: 1, models: ['someone-else'] });
    expect((await complete(server, key)).status).toBe(403);
    await server.store.keys.update('tuned', { models: null });
    expect((await complete(server, key)).status).toBe(200);
    expect((await complete(server, key)).status).toBe(429);
    const raised = await server.store.keys.update('tuned', { rpm: 5 });
    expect(raised).toMatchObject({ name: 'tuned', rpm: 5, models: null, status: 'active' });
    const afterRaise = await complete(server, key);
    expect(afterRaise.status).toBe(200);
    expect(afterRaise.headers.get('x-ratelimit-limit-requests')).toBe('5');
    await server.store.keys.update('tuned', { expiresAt: '2026-03-10T11:00:00.000Z' });
    expect((await complete(server, key)).status).toBe(401);
    await server.store.keys.revoke('tuned');
    expect(await server.store.keys.update('tuned', { rpm: 9 })).toBeNull();
  });

  it('answers a missing Authorization header with 401 and an x-request-id', async () => {
    const server = await start();
    const response = await postJson(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x' });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('accepts any bearer value with auth "none" on loopback, and refuses "none" elsewhere', async () => {
    const server = await start({ config: { auth: 'none' } });
    expect((await complete(server, 'anything')).status).toBe(200);
    await expect(startTestServer({ config: { auth: 'none', host: '0.0.0.0' } })).rejects.toThrow(/only allowed on a loopback host/);
  });
});

describe('rate limits', () => {
  it('allows exactly rpm requests per minute, with headers, then 429 until the window moves', async () => {
    const server = await start();
    const key = await createKey(server.store, { name: 'rpm3', rpm: 3 });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const response = await complete(server, key);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(response.headers.get('x-ratelimit-reset-requests')).toBe('1m0s');
      remaining.push(response.headers.get('x-ratelimit-remaining-requests'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await complete(server, key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('retry-after-ms')).toBe('60000');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    clockMs += 60_001;
    expect((await complete(server, key)).status).toBe(200);
  });

  it('reserves prompt + max_tokens up front, corrects it at the end, and never lets one request overshoot', async () => {
    const server = await start();
    const key = await createKey(server.store, { name: 'tpm100', tpm: 100 });
    // A five-token prompt that ends at once (end-of-text forced): 55 reserved, 5 used.
    const early = await complete(server, key, { prompt: [5, 6, 7, 8, 9], max_tokens: 50, logit_bias: { '0': 100 } });
    expect(early.status).toBe(200);
    expect(early.headers.get('x-ratelimit-remaining-tokens')).toBe('45');
    expect(((await early.json()) as { usage: { total_tokens: number } }).usage.total_tokens).toBe(5);
    const large = await complete(server, key, { prompt: [5, 6, 7, 8, 9], max_tokens: 90, logit_bias: { '0': -100 } });
    expect(large.status).toBe(200);
    expect(large.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    const over = await complete(server, key, { prompt: [5, 6, 7, 8, 9], max_tokens: 1 });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after-ms'))).toBe(60_000);
    const tooLarge = await complete(server, key, { prompt: [5], max_tokens: 100 });
    expect(tooLarge.status).toBe(429);
    expect(tooLarge.headers.get('x-should-retry')).toBe('false');
  });

  it('allows exactly `concurrency` requests in flight per key', async () => {
    const server = await start({ generator: { tokenDelayMs: 10 } });
    const key = await createKey(server.store, { name: 'two-at-once', concurrency: 2 });
    const holders = [await openStream(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key), await openStream(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key)];
    const third = await complete(server, key);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).not.toBeNull();
    holders[0]!.abort();
    await waitFor(() => server.deployment.running === 1);
    expect((await complete(server, key)).status).toBe(200);
    holders[1]!.abort();
  });

  it('refuses with 429 insufficient_quota once the budget of the period is spent', async () => {
    const server = await start({ config: { pricing: { promptPer1k: 1000, completionPer1k: 0, currency: 'USD' } } });
    const key = await createKey(server.store, { name: 'budgeted', budget: 2.5, period: 'month' });
    expect((await complete(server, key, { prompt: [5, 6] })).status).toBe(200);
    expect((await complete(server, key, { prompt: [5] })).status).toBe(200);
    // Spend counts from the rows, queued when each response closes (maybe just after the client read it); until then
    // a request's hold stands in for it, and the refusal would say requests are still running.
    await waitForUsageRows(server.store, 2);
    const refused = await complete(server, key, { prompt: [5] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'insufficient_quota', message: expect.stringContaining('3.0000 USD of its 2.5 USD monthly budget') });
    clockMs = Date.parse('2026-04-01T00:00:01Z');
    expect((await complete(server, key, { prompt: [5] })).status).toBe(200);
  });

  it('counts what running requests may still spend: requests sent together cannot all pass the budget', async () => {
    // Each request costs at most 2 USD (one prompt token, one generated token, 1,000 USD per 1,000 tokens), and runs
    // for about half a second, so the eight sent together overlap.
    const server = await start({ config: { pricing: { promptPer1k: 1000, completionPer1k: 1000, currency: 'USD' } }, generator: { tokenDelayMs: 500 } });
    const key = await createKey(server.store, { name: 'budgeted', budget: 5, period: 'day' });
    // End of text (the bigram model's id 0) banned, so each served request generates its one token and costs 2 USD.
    const statuses = await Promise.all(Array.from({ length: 8 }, () => complete(server, key, { prompt: [5], max_tokens: 1, logit_bias: { 0: -100 } }).then(async (response) => {
      const body = (await response.json()) as { error?: { message: string } };
      return [response.status, response.headers.get('x-should-retry'), body.error?.message ?? ''] as const;
    })));
    // Three fit in 5 USD at 2 USD each. The others learn that running requests hold the rest and may retry, or, if
    // they came after those three had finished, that the budget is spent.
    expect(statuses.filter(([status]) => status === 200)).toHaveLength(3);
    const refused = statuses.filter(([status]) => status === 429);
    expect(refused).toHaveLength(5);
    const held = refused.filter(([, shouldRetry, message]) => shouldRetry === null && /requests of it still running may use the other .* Retry when they finish/.test(message));
    const spentOut = refused.filter(([, shouldRetry, message]) => shouldRetry === 'false' && /You exceeded your current quota/.test(message));
    expect(held.length + spentOut.length).toBe(5);
    expect(held.length).toBeGreaterThan(0);
    // Rows are queued when each response closes, which may come just after the client has read it.
    await waitForUsageRows(server.store, 8);
    expect((await server.store.requests.report()).totals.cost).toBe(6);
    // With nothing running, the spent 6 USD is over the budget: refused for good.
    const spent = await complete(server, key, { prompt: [5], max_tokens: 1 });
    expect([spent.status, spent.headers.get('x-should-retry')]).toEqual([429, 'false']);
  });
});

describe('load shedding and request lifetime', () => {
  it('answers at once with 503 and retry-after when the queue is full', async () => {
    // The running stream takes 100 × 50 ms: an answer in under 2 s (room for a loaded machine) did not wait for it.
    const server = await start({ deployment: { maxBatchSize: 1, maxQueue: 1 }, generator: { tokenDelayMs: 50 } });
    const key = await createKey(server.store, { name: 'k' });
    const running = await openStream(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key);
    const queued = complete(server, key);
    await waitFor(() => server.deployment.queued === 1);
    const startedMs = performance.now();
    const refused = await complete(server, key);
    expect(performance.now() - startedMs).toBeLessThan(2_000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    running.abort();
    expect((await queued).status).toBe(200);
  });

  it('frees the batch slot and stops generating when a streaming client disconnects', async () => {
    const server = await start({ deployment: { maxBatchSize: 1, maxQueue: 0 }, generator: { tokenDelayMs: 10 } });
    const key = await createKey(server.store, { name: 'k' });
    const stream = await openStream(`${server.baseURL}/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }, key);
    expect(server.generator.active).toBe(1);
    stream.abort();
    await waitFor(() => server.generator.active === 0 && server.deployment.running === 0);
    expect((await complete(server, key)).status).toBe(200);
    const { rows } = await server.store.requests.report();
    expect(rows.reduce((sum, row) => sum + row.errors, 0)).toBe(1);
  });

  it('ends a request that runs past its timeout with 504', async () => {
    const server = await start({ generator: { tokenDelayMs: 20 }, server: { requestTimeoutMs: 150 } });
    const response = await complete(server, await createKey(server.store, { name: 'k' }), { max_tokens: 100, logit_bias: { '0': -100 } });
    expect(response.status).toBe(504);
    await waitFor(() => server.generator.active === 0);
  });

  it('reports 503 "loading" until the model is ready, and answers /health fast under load', async () => {
    // A long context: the streams below run 4,000 × 5 ms, far past the /health bound, which leaves room for a loaded machine.
    const server = await start({ generator: { startLoading: true, contextLength: 4096 } });
    const key = await createKey(server.store, { name: 'k' });
    const loading = await fetch(`${server.url}/health`);
    expect(loading.status).toBe(503);
    expect(await loading.json()).toMatchObject({ status: 'loading' });
    expect((await complete(server, key)).status).toBe(503);
    server.generator.markReady();
    server.generator.tokenDelayMs = 5;
    const streams = await Promise.all([1, 2, 3, 4].map(() => openStream(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 4_000 }, key)));
    const startedMs = performance.now();
    const ready = await fetch(`${server.url}/health`);
    expect(performance.now() - startedMs).toBeLessThan(2_000);
    expect(ready.status).toBe(200);
    for (const stream of streams) stream.abort();
  });

  it('turns a generator crash into a 5xx error, mid-stream too, and health into "failed"', async () => {
    const server = await start({ generator: { tokenDelayMs: 10 } });
    const key = await createKey(server.store, { name: 'k' });
    const stream = await openStream(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key);
    server.generator.crash();
    const records = sseRecords(await stream.rest);
    expect(records.at(-1)).toMatchObject({ error: { code: 'generation_failed' } });
    expect(records).not.toContain('[DONE]');
    expect((await complete(server, key)).status).toBe(503);
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
  });
});

describe('HTTP surface', () => {
  it('refuses browser origins outside the cors list and allows listed ones, preflight included', async () => {
    const server = await start({ config: { cors: ['http://app.local'] } });
    const key = await createKey(server.store, { name: 'k' });
    const foreign = await postJson(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x' }, { authorization: `Bearer ${key}`, origin: 'http://evil.local' });
    expect(foreign.status).toBe(403);
    const allowed = await postJson(`${server.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 1 }, { authorization: `Bearer ${key}`, origin: 'http://app.local' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.local');
    const preflight = await fetch(`${server.baseURL}/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://app.local', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });

  it('answers a body over maxBodyBytes with 413 in OpenAI error form', async () => {
    const server = await start({ config: { maxBodyBytes: 2048 } });
    const response = await complete(server, await createKey(server.store, { name: 'k' }), { prompt: 'x'.repeat(5000) });
    expect(response.status).toBe(413);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({ error: { code: 'request_too_large', type: 'invalid_request_error', param: null } });
  });

  it('logs each request with tokens, cost and latency, and exposes Prometheus metrics', async () => {
    const server = await start({ config: { pricing: { promptPer1k: 10, completionPer1k: 20, currency: 'EUR' } } });
    const key = await createKey(server.store, { name: 'billed' });
    const body = (await (await complete(server, key, { prompt: [5, 6, 7], max_tokens: 4, logit_bias: { '0': -100 } })).json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(4);
    await complete(server, key, { temperature: 9 });
    // Rows are queued when each response closes, which may come just after the client has read it.
    await waitForUsageRows(server.store, 2, 'billed');
    const { rows, totals } = await server.store.requests.report({ keyName: 'billed' });
    expect(rows).toEqual([expect.objectContaining({ day: '2026-03-10', key: 'billed', model: MODEL, requests: 2, errors: 1, promptTokens: 3, completionTokens: 4, currency: 'EUR' })]);
    expect(totals.cost).toBeCloseTo((3 / 1000) * 10 + (4 / 1000) * 20, 10);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('crucible_http_requests_total{route="/v1/completions",status="400"} 1');
    expect(metrics).toContain(`crucible_generation_tokens_total{model="${MODEL}"} 4`);
    expect(metrics).toContain(`crucible_time_to_first_token_seconds_count{model="${MODEL}"} 1`);
    expect(metrics).toContain(`crucible_queue_depth{model="${MODEL}"} 0`);
  });
});
