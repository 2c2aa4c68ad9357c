// A client that leaves a remote model's stream mid-way pays for what was relayed to it, not the prompt alone: its
// usage row is written the moment its socket closes, so the relay keeps the completion count current chunk by chunk,
// and the key's budget spend in Redis adds the same cost. Real HTTP, a real upstream server and a real redis-server.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createApiKeyRequestSchema } from '../../../app/protocol/serving-api.ts';
import { RedisRateLimits } from '../redis-rate-limits.ts';
import { periodStart } from '../store/request-log.ts';
import { postJson, waitFor } from '../testing/http-helpers.ts';
import { startTestServer, type TestServer } from '../testing/serving-harness.ts';
import { requireServer, startRedis, type RedisServer } from '../testing/shared-servers.ts';
import { openRedisAdmin, type RedisAdmin } from '../testing/stalled-redis.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './testing/scripted-upstream.ts';

const available = requireServer('Redis');
const test = it.skipIf(!available.ok);
let redis: RedisServer | null = null;
let admin: RedisAdmin | null = null;
let limits: RedisRateLimits | null = null;
let served: TestServer | null = null;
let upstream: ScriptedUpstream | null = null;

beforeAll(async () => {
  if (!available.ok) return;
  redis = await startRedis();
  admin = await openRedisAdmin(redis.url);
});
afterEach(async () => {
  await served?.close();
  await limits?.close();
  await upstream?.close();
});
afterAll(async () => {
  await admin?.close();
  await redis?.stop();
});

const WORDS = Array.from({ length: 40 }, (_, index) => ` w${index}`);
/** One currency unit per token, so a row's cost is its token count. */
const PRICING = { promptPer1k: 1000, completionPer1k: 1000, currency: 'USD' };

/** Reads the stream until `chunks` content chunks arrived, then leaves; returns how many it got. */
async function readThenLeave(url: string, apiKey: string, chunks: number): Promise<number> {
  const client = new AbortController();
  const body = { model: 'remote-model', messages: [{ role: 'user', content: 'Speak.' }], max_tokens: WORDS.length, stream: true };
  const response = await postJson(url, body, { authorization: `Bearer ${apiKey}` }, client.signal);
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const received = () => (text.match(/"content":" w\d+"/g) ?? []).length;
  while (received() < chunks) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended after ${received()} content chunks`);
    text += decoder.decode(value, { stream: true });
  }
  client.abort();
  return received();
}

test('a client that leaves a remote stream is billed the chunks relayed to it, in the usage log and the Redis spend', async () => {
  // Slow enough that the client leaves long before the upstream's end (and its usage chunk).
  upstream = await startScriptedUpstream({ model: 'remote-model', behaviour: { words: WORDS, chunkDelayMs: 100 } });
  limits = await RedisRateLimits.connect(redis!.url, { prefix: 'billing', onError: () => undefined });
  served = await startTestServer({
    config: { auth: 'keys', pricing: PRICING, upstreams: [{ url: upstream.baseURL, models: [{ name: 'remote-model' }] }], routing: { healthCheckIntervalMs: 60_000 } },
    server: { limits },
  });
  const { key, info } = await served.store.keys.create(createApiKeyRequestSchema.parse({ name: 'budgeted', budget: 1_000_000, period: 'month' }));

  const received = await readThenLeave(`${served.baseURL}/chat/completions`, key, 6);
  await waitFor(() => upstream!.cancelled === 1, 10_000);
  await served.store.requests.flush();
  const rows = (await served.store.sql.all('SELECT status, error_code, prompt_tokens, completion_tokens, cost, estimated FROM api_requests')) as Array<Record<string, number | string>>;
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  expect(row).toMatchObject({ status: 499, error_code: 'client_closed', estimated: 1 });
  // What reached the client, perhaps a chunk or two more that were on their way when it left; never the whole.
  expect(row.completion_tokens).toBeGreaterThanOrEqual(received);
  expect(row.completion_tokens).toBeLessThan(WORDS.length);
  expect(row.cost).toBe(Number(row.prompt_tokens) + Number(row.completion_tokens));

  // The period's total in Redis was seeded (0) by the budget check at admission; the row's cost is what it adds.
  const total = `billing:spend:{${info.id}}:${periodStart('month', new Date())}`;
  await waitFor(async () => Number(await admin!.client.get(total)) === row.cost, 10_000);
});
