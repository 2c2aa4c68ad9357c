// The usage log over real HTTP: a browser app's CORS pre-flight is not a request of its own and leaves no row, while
// the request it clears is logged under its key.
import { afterEach, expect, it } from 'vitest';
import { createKey, postJson, waitFor } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

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
