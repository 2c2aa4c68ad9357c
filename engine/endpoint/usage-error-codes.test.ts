// Every usage row of a failed request says why in error_code, refused whole responses included (429s, 404s, an
// upstream's 503), not only the streams that broke.
import { afterEach, expect, it } from 'vitest';
import { createKey, postJson, waitForUsageRows } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './gateway/testing/scripted-upstream.ts';

let served: TestServer | null = null;
let upstream: ScriptedUpstream | null = null;
afterEach(async () => {
  await served?.close();
  await upstream?.close();
});

it('writes the error code of refused whole responses to the usage log', async () => {
  upstream = await startScriptedUpstream({ model: 'remote-model', behaviour: { failStatus: 503, failCode: 'engine_overloaded' } });
  served = await startTestServer({
    config: { auth: 'keys', upstreams: [{ url: upstream.baseURL, models: [{ name: 'remote-model' }] }], routing: { maxRetries: 0, healthCheckIntervalMs: 60_000 } },
  });
  const oneAMinute = await createKey(served.store, { name: 'one-a-minute', rpm: 1 });
  const unlimited = await createKey(served.store, { name: 'unlimited' });
  const complete = async (model: string, key: string) => {
    const response = await postJson(`${served!.baseURL}/completions`, { model, prompt: 'First', max_tokens: 2 }, { authorization: `Bearer ${key}` });
    await response.text();
    return response.status;
  };

  expect(await complete('bard-mini', oneAMinute)).toBe(200);
  expect(await complete('bard-mini', oneAMinute)).toBe(429);
  expect(await complete('remote-model', oneAMinute)).toBe(429);
  expect(await complete('no-such-model', unlimited)).toBe(404);
  expect(await complete('remote-model', unlimited)).toBe(503);

  await waitForUsageRows(served!.store, 5);
  expect(await served!.store.sql.all('SELECT model, status, error_code FROM api_requests ORDER BY at, id')).toEqual([
    { model: 'bard-mini', status: 200, error_code: null },
    { model: 'bard-mini', status: 429, error_code: 'rate_limit_exceeded' },
    { model: 'remote-model', status: 429, error_code: 'rate_limit_exceeded' },
    { model: 'no-such-model', status: 404, error_code: 'model_not_found' },
    { model: 'remote-model', status: 503, error_code: 'engine_overloaded' },
  ]);
});
