// A generator whose crashed worker is restarting answers 503 "restarting, retry after N s" with Retry-After, not
// "failed and is not serving"; one that failed for good still says so; and the openai client's retry gets through.
import OpenAI from 'openai';
import { afterEach, expect, it, vi } from 'vitest';
import { createKey, postJson } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

let served: TestServer | null = null;
afterEach(async () => {
  await served?.close();
  served = null;
});

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function complete(server: TestServer, key: string): Promise<Response> {
  return postJson(`${server.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 2 }, { authorization: `Bearer ${key}` });
}

it('answers 503 model_restarting with the restart\'s Retry-After while a crashed worker restarts', async () => {
  served = await startTestServer();
  const key = await createKey(served.store, { name: 'k' });
  served.generator.crash(undefined, { restartInMs: 4_500 });
  // The time left to the restart, held at 4.5 s: counting down, it could fall under 4 s (Retry-After 4) on a slow machine.
  const restartInMs = vi.spyOn(served.generator, 'restartInMs').mockReturnValue(4_500);
  const answer = await complete(served, key);
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('5');
  expect(Number(answer.headers.get('retry-after-ms'))).toBeGreaterThan(4_000);
  const { error } = (await answer.json()) as ErrorBody;
  expect(error).toEqual({ type: 'server_error', param: null, code: 'model_restarting', message: 'The model `bard-mini` is restarting after its inference worker crashed. Retry after 5 s.' });
  const health = await fetch(`${served.url}/health`);
  expect([health.status, await health.json()]).toEqual([503, { status: 'restarting', models: { 'bard-mini': 'restarting' } }]);
  restartInMs.mockRestore();
  served.generator.markReady();
  expect(((await (await fetch(`${served.url}/health`)).json()) as { status: string }).status).toBe('ok');
  expect((await complete(served, key)).status).toBe(200);
});

it('never suggests retrying sooner than the deployment\'s own retry hint', async () => {
  served = await startTestServer({ deployment: { retryAfterMs: 2_000 } });
  const key = await createKey(served.store, { name: 'k' });
  served.generator.crash(undefined, { restartInMs: 50 });
  const answer = await complete(served, key);
  expect(answer.headers.get('retry-after-ms')).toBe('2000');
  expect(((await answer.json()) as ErrorBody).error.message).toContain('Retry after 2 s.');
});

it('still says "failed and is not serving" for a generator that failed for good', async () => {
  served = await startTestServer();
  const key = await createKey(served.store, { name: 'k' });
  served.generator.crash();
  const answer = await complete(served, key);
  expect(answer.status).toBe(503);
  expect(((await answer.json()) as ErrorBody).error).toMatchObject({ code: 'model_failed', message: expect.stringContaining('failed and is not serving') });
  expect(await (await fetch(`${served.url}/health`)).json()).toEqual({ status: 'failed', models: { 'bard-mini': 'failed' } });
});

it('lets the openai client through once the worker is back, honouring the Retry-After', async () => {
  served = await startTestServer({ deployment: { retryAfterMs: 300 } });
  const key = await createKey(served.store, { name: 'k' });
  const restartInMs = 300;
  served.generator.crash(undefined, { restartInMs });
  const server = served;
  setTimeout(() => server.generator.markReady(), restartInMs);
  const client = new OpenAI({ apiKey: key, baseURL: served.baseURL, maxRetries: 2 });
  const startedMs = performance.now();
  const completion = await client.completions.create({ model: 'bard-mini', prompt: 'x', max_tokens: 2 });
  expect(completion.choices).toHaveLength(1);
  expect(performance.now() - startedMs).toBeGreaterThanOrEqual(restartInMs - 20);
});
