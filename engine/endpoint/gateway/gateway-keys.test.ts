// Keys, scopes, rate limits and the usage log apply to models served by upstreams exactly as to local ones; a pool
// mixes a local deployment with upstream members; usage an upstream does not report is counted here, marked estimated.
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import { createKey, postJson, waitForUsageRows } from '../testing/http-helpers.ts';
import { startTestServer, type TestServer } from '../testing/serving-harness.ts';
import { chatBody, readSse } from './testing/gateway-harness.ts';
import { SCRIPTED_PROMPT_TOKENS, startScriptedUpstream, type ScriptedUpstream } from './testing/scripted-upstream.ts';

let server: TestServer | null = null;
let remote: ScriptedUpstream | null = null;
afterEach(async () => {
  await server?.close();
  await remote?.close();
  server = null;
  remote = null;
});

interface UsageRow {
  model: string;
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
  estimated: number;
  key_id: string | null;
}

/** The usage log, once it holds `count` rows. */
async function usageRows(served: TestServer, count: number): Promise<UsageRow[]> {
  await waitForUsageRows(served.store, count);
  const db = openDatabase({ dataDir: served.dataDir });
  try {
    return db.prepare('SELECT model, status, prompt_tokens, completion_tokens, estimated, key_id FROM api_requests ORDER BY at, rowid').all() as UsageRow[];
  } finally {
    db.close();
  }
}

async function gatewayWithLocal(upstreamOptions: Parameters<typeof startScriptedUpstream>[0], upstream: Record<string, unknown>): Promise<TestServer> {
  remote = await startScriptedUpstream(upstreamOptions);
  server = await startTestServer({ config: { upstreams: [{ url: remote.baseURL, name: 'remote', ...upstream }], routing: { healthCheckIntervalMs: 60_000 } } });
  return server;
}

it('applies key scopes and rate limits to remote models, and logs their usage under the key', async () => {
  const served = await gatewayWithLocal({ model: 'remote-model' }, { models: [{ name: 'remote-model' }] });
  const localOnly = await createKey(served.store, { name: 'local-only', models: ['bard-mini'] });
  const limited = await createKey(served.store, { name: 'limited', rpm: 2 });

  const refused = await postJson(`${served.baseURL}/chat/completions`, chatBody('remote-model'), { authorization: `Bearer ${localOnly}` });
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('model_not_allowed');
  expect((await postJson(`${served.baseURL}/chat/completions`, chatBody('remote-model'))).status).toBe(401);

  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await postJson(`${served.baseURL}/chat/completions`, chatBody('remote-model', { stream: i === 0 }), { authorization: `Bearer ${limited}` });
    statuses.push(response.status);
    await response.text();
  }
  expect(statuses).toEqual([200, 200, 429]);
  expect(remote!.received).toHaveLength(2);

  const models = (await (await fetch(`${served.baseURL}/models`, { headers: { authorization: `Bearer ${localOnly}` } })).json()) as { data: Array<{ id: string }> };
  expect(models.data.map((m) => m.id)).toEqual(['bard-mini']);

  // 403, 401 (no key: no row), 200, 200, 429.
  const rows = (await usageRows(served, 4)).filter((row) => row.model === 'remote-model' && row.status === 200);
  // Both the stream (usage chunk asked for by the gateway, stripped for the client) and the whole response report it.
  expect(rows.map((row) => [row.prompt_tokens, row.completion_tokens, row.estimated])).toEqual([
    [SCRIPTED_PROMPT_TOKENS, 5, 0],
    [SCRIPTED_PROMPT_TOKENS, 5, 0],
  ]);
});

it('enforces budgets on remote models from the upstream-reported usage', async () => {
  remote = await startScriptedUpstream({ model: 'remote-model' });
  // 11 prompt tokens at 1 USD each: one request spends more than the whole budget.
  server = await startTestServer({ config: { upstreams: [{ url: remote.baseURL, models: [{ name: 'remote-model' }] }], pricing: { promptPer1k: 1000, completionPer1k: 0, currency: 'USD' } } });
  const key = await createKey(server.store, { name: 'budgeted', budget: 5, period: 'month' });
  const first = await postJson(`${server.baseURL}/chat/completions`, chatBody('remote-model'), { authorization: `Bearer ${key}` });
  expect(first.status).toBe(200);
  await first.text();
  // Its cost counts from its row, queued when the response closes; until then the request's hold stands in for it.
  await usageRows(server, 1);
  const second = await postJson(`${server.baseURL}/chat/completions`, chatBody('remote-model'), { authorization: `Bearer ${key}` });
  expect(second.status).toBe(429);
  expect(((await second.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'insufficient_quota', message: expect.stringMatching(/has spent 11\.0000 USD of its 5 USD monthly budget/) });
  expect(remote.received).toHaveLength(1);
});

it('counts with the model\'s tokenizer when the upstream reports no usage, and marks the row estimated', async () => {
  // The upstream serves the same model as the local deployment; its weight makes the pool pick it.
  const served = await gatewayWithLocal({ model: 'bard-mini', behaviour: { reportUsage: false, words: ['Speak', ', speak', '.'] } }, { models: [{ name: 'bard-mini' }], weight: 1000 });
  const body = chatBody('bard-mini', { stream: true, stream_options: { include_usage: true } });
  const records = await readSse(await postJson(`${served.baseURL}/chat/completions`, body, { authorization: `Bearer ${await createKey(served.store, { name: 'k' })}` }));
  expect(records.at(-1)).toBe('[DONE]');
  expect(remote!.received).toHaveLength(1);
  const [row] = await usageRows(served, 1);
  const deployment = served.deployment;
  const promptTokens = deployment.generator.tokenize(deployment.chat.render([{ role: 'user', content: 'Speak.' }])).length;
  expect([row!.prompt_tokens, row!.completion_tokens, row!.estimated]).toEqual([promptTokens, deployment.generator.tokenize('Speak, speak.').length, 1]);
});

it('without a tokenizer, estimates one token per streamed chunk, marked estimated', async () => {
  const served = await gatewayWithLocal({ model: 'remote-model', behaviour: { reportUsage: false } }, { models: [{ name: 'remote-model' }] });
  const key = await createKey(served.store, { name: 'k' });
  await (await postJson(`${served.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }), { authorization: `Bearer ${key}` })).text();
  const [row] = await usageRows(served, 1);
  expect([row!.completion_tokens, row!.estimated]).toEqual([5, 1]);
  // 'User: Speak.' and the rest at about four bytes a token: a small positive count, not the upstream's.
  expect(row!.prompt_tokens).toBeGreaterThan(0);
});

it('routes a mixed pool by load: the local deployment and the upstream both serve the model', async () => {
  const served = await gatewayWithLocal({ model: 'bard-mini', behaviour: { chunkDelayMs: 150, words: ['a', 'b', 'c', 'd'] } }, { models: [{ name: 'bard-mini' }] });
  const key = await createKey(served.store, { name: 'k' });
  const responses = await Promise.all(
    Array.from({ length: 8 }, () => postJson(`${served.baseURL}/chat/completions`, chatBody('bard-mini', { stream: true, max_tokens: 4 }), { authorization: `Bearer ${key}` })),
  );
  const viaUpstream = responses.filter((r) => r.headers.get('x-crucible-upstream') === 'remote').length;
  await Promise.all(responses.map((r) => r.text()));
  // Least outstanding spreads concurrent requests over both members; neither takes them all.
  expect(viaUpstream).toBeGreaterThan(0);
  expect(viaUpstream).toBeLessThan(8);
  const health = (await (await fetch(`${served.url}/health`)).json()) as { pools: Record<string, { members: Array<{ member: string }> }> };
  expect(health.pools['bard-mini']!.members.map((m) => m.member)).toEqual(['deployment:bard-mini', 'remote']);
});

it('sends a request to an upstream of the pool when the local deployment is full, instead of refusing it', async () => {
  // A tiny weight: the pool prefers the local deployment while it has room.
  const served = await gatewayWithLocal({ model: 'bard-mini', behaviour: { words: ['far', 'away'] } }, { models: [{ name: 'bard-mini' }], weight: 0.001 });
  const key = await createKey(served.store, { name: 'k' });
  const ask = () => postJson(`${served.baseURL}/chat/completions`, chatBody('bard-mini', { max_tokens: 2 }), { authorization: `Bearer ${key}` });
  const roomy = await ask();
  expect([roomy.status, roomy.headers.get('x-crucible-upstream')]).toEqual([200, null]);
  await roomy.text();

  // Every slot held and the queue filled: the deployment would answer 503 overloaded.
  const deployment = served.deployment;
  const signal = new AbortController().signal;
  const held = await Promise.all(Array.from({ length: 4 }, () => deployment.acquireSlot(signal)));
  const waiting = Array.from({ length: 8 }, () => deployment.acquireSlot(signal));
  expect(deployment.full).toBe(true);
  const full = await ask();
  expect([full.status, full.headers.get('x-crucible-upstream')]).toEqual([200, 'remote']);
  await full.text();
  for (const release of held) release();
  for (const pending of waiting) (await pending)(); // each release grants the next waiting one
});
