// The usage log over real HTTP: a browser app's CORS pre-flight is not a request of its own and leaves no row, while
// the request it clears is logged under its key.
import { afterEach, expect, it } from 'vitest';
import { createKey, postJson, waitFor } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';
import { rawRequest } from '../api/testing/raw-http.ts';

const APP_ORIGIN = 'http://app.local';
let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

it('logs the request a pre-flight cleared, and not the pre-flight', async () => {
  server = await startTestServer({ config: { cors: [APP_ORIGIN] } });
  const key = await createKey(server.store, { name: 'web-app' });
  const preflight = await fetch(`${server.baseURL}/completions`, {
    method: 'OPTIONS',
    headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  expect(preflight.status).toBe(204);
  const completion = await postJson(`${server.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 2 }, { authorization: `Bearer ${key}`, origin: APP_ORIGIN });
  expect(completion.status).toBe(200);
  await completion.text();
  // Rows are written when each response closes, so the pre-flight's (answered first) would be in by then.
  const report = () => server!.store.requests.report();
  await waitFor(async () => (await report()).totals.requests > 0);
  expect((await report()).rows.map((row) => [row.key, row.requests])).toEqual([['web-app', 1]]);
});

it('logs and bills a request whose request line names the whole URL, as the route it reached', async () => {
  server = await startTestServer({ config: { auth: 'keys', pricing: { promptPer1k: 1000, completionPer1k: 1000, currency: 'USD' } } });
  const key = await createKey(server.store, { name: 'full-url', budget: 1, period: 'day' });
  const port = Number(new URL(server.url).port);
  // End of text is banned, so the request generates all five tokens and costs exactly 10 USD.
  const body = JSON.stringify({ model: 'bard-mini', prompt: 'First', max_tokens: 5, logit_bias: { '0': -100 } });
  const request = (target: string) => rawRequest(port, { method: 'POST', target, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  expect((await request(`http://127.0.0.1:${port}/v1/completions`)).status).toBe(200);
  const report = () => server!.store.requests.report();
  await waitFor(async () => (await report()).totals.requests > 0);
  expect((await report()).rows).toEqual([expect.objectContaining({ key: 'full-url', requests: 1, cost: 10 })]);
  // Its spend counts against the key's budget like any other request's.
  const refused = await request(`http://127.0.0.1:${port}/v1/completions`);
  expect(refused.status).toBe(429);
  expect(refused.body).toMatch(/exceeded your current quota/);
});

it('leaves no row for a request refused for its key, however many come', async () => {
  server = await startTestServer({ config: { auth: 'keys' } });
  for (let index = 0; index < 20; index++) {
    const refused = await postJson(`${server.baseURL}/completions`, { model: 'M'.repeat(256), prompt: 'x' }, { authorization: 'Bearer sk-not-a-key' });
    expect(refused.status).toBe(401);
    await refused.text();
  }
  // A body that fails before the key is checked leaves no row either: with keys, every row is some key's.
  for (const authorization of ['Bearer sk-not-a-key', undefined]) {
    const broken = await fetch(`${server.baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{"model":' });
    expect(broken.status).toBe(400);
    await broken.text();
  }
  const unknown = await postJson(`${server.baseURL}/${'x'.repeat(300)}`, {}, {});
  expect(unknown.status).toBe(404);
  await unknown.text();
  const key = await createKey(server.store, { name: 'real' });
  const served = await postJson(`${server.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 2 }, { authorization: `Bearer ${key}` });
  expect(served.status).toBe(200);
  await served.text();
  const report = () => server!.store.requests.report();
  await waitFor(async () => (await report()).totals.requests > 0);
  await server.store.requests.flush();
  expect((await report()).totals.requests).toBe(1);
});

it('logs every request of an endpoint without keys, under no key, refused ones included', async () => {
  server = await startTestServer({ config: { auth: 'none' } });
  const served = await postJson(`${server.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 2 });
  expect(served.status).toBe(200);
  await served.text();
  const broken = await fetch(`${server.baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
  expect(broken.status).toBe(400);
  await broken.text();
  const report = () => server!.store.requests.report();
  await waitFor(async () => (await report()).totals.requests === 2, 10_000);
  const { rows, totals } = await report();
  expect(rows.map((row) => [row.key, row.model, row.requests, row.errors])).toEqual([
    [null, null, 1, 1],
    [null, 'bard-mini', 1, 0],
  ]);
  expect(totals.requests).toBe(2);
});
