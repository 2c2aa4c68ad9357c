// The gateway over real upstream servers on loopback (real sockets, real SSE): routing and renames, failover before
// the first byte, retry-after, a failure mid-stream, a slow member beside fast ones, client disconnects, usage.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, waitFor } from '../testing/http-helpers.ts';
import { createOpenAiServer } from '../openai-server.ts';
import { chatBody, readSse, startGateway, type TestGateway } from './testing/gateway-harness.ts';
import { SCRIPTED_PROMPT_TOKENS, startScriptedUpstream, type ScriptedUpstream } from './testing/scripted-upstream.ts';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const closable of open.splice(0).reverse()) await closable.close();
});

async function upstream(options: Parameters<typeof startScriptedUpstream>[0] = {}): Promise<ScriptedUpstream> {
  const started = await startScriptedUpstream(options);
  open.push(started);
  return started;
}

async function gateway(...args: Parameters<typeof startGateway>): Promise<TestGateway> {
  const started = await startGateway(...args);
  open.push(started);
  return started;
}

/** A port nothing listens on: an upstream that was started and stopped. */
async function deadUrl(): Promise<string> {
  const gone = await startScriptedUpstream();
  await gone.close();
  return gone.baseURL;
}

describe('routing', () => {
  it('sends a renamed model under the upstream\'s own name and answers with the client\'s', async () => {
    const remote = await upstream({ model: 'remote-model' });
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model', servedAs: 'house-model' }] }]);
    const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('house-model'));
    const body = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(response.status).toBe(200);
    expect(body.model).toBe('house-model');
    expect(body.choices[0]!.message.content).toBe('Hello from the scripted upstream');
    expect(remote.received.map((r) => r.body.model)).toEqual(['remote-model']);
    const models = (await (await fetch(`${gw.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['house-model']);
  });

  it('learns the models of an upstream that lists none from its /v1/models', async () => {
    const remote = await upstream({ model: 'discovered' });
    const gw = await gateway([{ url: remote.url }]);
    const models = (await (await fetch(`${gw.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['discovered']);
    expect((await postJson(`${gw.baseURL}/completions`, { model: 'discovered', prompt: 'x' })).status).toBe(200);
  });

  it('finds a model whose id holds a slash at /v1/models/{id}, the slash sent as it is', async () => {
    const remote = await upstream({ model: 'meta-llama/Llama-3.1-8B-Instruct' });
    const gw = await gateway([{ url: remote.url }]);
    await waitFor(async () => ((await (await fetch(`${gw.baseURL}/models`)).json()) as { data: unknown[] }).data.length === 1);
    for (const path of ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama%2FLlama-3.1-8B-Instruct']) {
      const response = await fetch(`${gw.baseURL}/models/${path}`);
      expect([path, response.status, ((await response.json()) as { id?: string }).id]).toEqual([path, 200, 'meta-llama/Llama-3.1-8B-Instruct']);
    }
    expect((await fetch(`${gw.baseURL}/models/meta-llama/other`)).status).toBe(404);
  });

  it("passes an upstream's refusal on with its own code, null included", async () => {
    const remote = await upstream();
    remote.behaviour.failStatus = 400;
    remote.behaviour.failCode = null;
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model' }] }]);
    const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toEqual({ message: 'scripted failure 400', type: 'server_error', param: null, code: null });
  });

  it('sends the upstream its API key from the named environment variable', async () => {
    const remote = await upstream();
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model' }], apiKeyEnv: 'SCRIPTED_KEY' }], { server: { env: { SCRIPTED_KEY: 'sk-upstream-secret' } } });
    await (await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model'), { authorization: 'Bearer client-value' })).text();
    expect(remote.received[0]!.authorization).toBe('Bearer sk-upstream-secret');
  });

  it('refuses to start when the apiKeyEnv variable is not set', async () => {
    const remote = await upstream();
    await expect(startGateway([{ url: remote.baseURL, apiKeyEnv: 'NOT_SET_ANYWHERE' }], { server: { env: {} } })).rejects.toThrow(/NOT_SET_ANYWHERE .* is not set/);
  });
});

describe('failover before the first byte', () => {
  it('retries a 5xx on another member, and takes the failing member out after repeated failures', async () => {
    const failing = await upstream({ behaviour: { failStatus: 500 } });
    const healthy = await upstream();
    // The failing member's weight makes it the first pick while it is up.
    const gw = await gateway([
      { url: failing.baseURL, name: 'failing', models: [{ name: 'remote-model' }], weight: 1000 },
      { url: healthy.baseURL, name: 'healthy', models: [{ name: 'remote-model' }] },
    ], { config: { routing: { healthCheckIntervalMs: 60_000 } } });
    for (let i = 0; i < 5; i++) {
      const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-crucible-upstream')).toBe('healthy');
      expect((await readSse(response)).at(-1)).toBe('[DONE]');
    }
    // Three failures in a row mark it down; the last two requests went straight to the healthy member.
    expect(failing.received).toHaveLength(3);
    expect(healthy.received).toHaveLength(5);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { status: string; pools: Record<string, { status: string; members: Array<{ member: string; state: string }> }> };
    expect(health.status).toBe('degraded');
    expect(health.pools['remote-model']!.members.map((m) => [m.member, m.state])).toEqual([['failing', 'down'], ['healthy', 'up']]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('crucible_upstream_errors_total{member="failing",kind="status"} 3');
    expect(metrics).toContain('crucible_upstream_health{member="failing",state="down"} 1');
    expect(metrics).toContain('crucible_upstream_requests_total{member="healthy",status="200"} 5');
  });

  it('fails over from a member that refuses connections, and marks it down at once', async () => {
    const healthy = await upstream();
    const dead = await deadUrl();
    const gw = await gateway([
      { url: healthy.baseURL, name: 'healthy', models: [{ name: 'remote-model' }] },
      { url: dead, name: 'dead', models: [{ name: 'remote-model' }] },
    ]);
    // The first probe round already found it gone.
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { pools: Record<string, { members: Array<{ member: string; state: string }> }> };
    expect(health.pools['remote-model']!.members.find((m) => m.member === 'dead')!.state).toBe('down');
    for (let i = 0; i < 4; i++) expect((await postJson(`${gw.baseURL}/completions`, { model: 'remote-model', prompt: 'x' })).status).toBe(200);
    expect(healthy.received).toHaveLength(4);
  });

  it('answers the last member\'s error when retries run out', async () => {
    const a = await upstream({ behaviour: { failStatus: 502 } });
    const b = await upstream({ behaviour: { failStatus: 502 } });
    const gw = await gateway([
      { url: a.baseURL, models: [{ name: 'remote-model' }] },
      { url: b.baseURL, models: [{ name: 'remote-model' }] },
    ], { config: { routing: { maxRetries: 1 } } });
    const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model'));
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('scripted failure 502');
    expect(a.received.length + b.received.length).toBe(2);
  });

  it('honours retry-after: a throttled member gets nothing until it has passed', async () => {
    const throttled = await upstream({ behaviour: { failStatus: 429, retryAfterS: 30 } });
    const other = await upstream();
    const gw = await gateway([
      { url: throttled.baseURL, name: 'throttled', models: [{ name: 'remote-model' }], weight: 1000 },
      { url: other.baseURL, name: 'other', models: [{ name: 'remote-model' }] },
    ]);
    for (let i = 0; i < 4; i++) expect((await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model'))).status).toBe(200);
    expect(throttled.received).toHaveLength(1);
    expect(other.received).toHaveLength(4);
  });

  it('says when no member can take a request, and when to retry', async () => {
    const capped = await upstream({ behaviour: { chunkDelayMs: 200, words: ['a', 'b', 'c'] } });
    const gw = await gateway([{ url: capped.baseURL, models: [{ name: 'remote-model' }], maxConcurrency: 1 }]);
    const first = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }));
    const second = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('no_upstream_available');
    expect((await readSse(first)).at(-1)).toBe('[DONE]');
  });
});

describe('streams', () => {
  it('ends a stream whose upstream dies mid-way with an OpenAI error record and no [DONE]', async () => {
    const dying = await upstream({ behaviour: { dieAfterChunks: 2, chunkDelayMs: 20 } });
    const gw = await gateway([{ url: dying.baseURL, name: 'dying', models: [{ name: 'remote-model' }] }]);
    const records = await readSse(await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true })));
    const contents = records.slice(0, -1).map((r) => (r as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content);
    expect(contents).toEqual(['Hello', ' from']);
    const last = records.at(-1) as { error: { code: string; type: string; message: string } };
    expect(last.error.code).toBe('upstream_failed');
    expect(last.error.type).toBe('server_error');
    expect(last.error.message).toMatch(/"dying" serving `remote-model` failed mid-stream/);
    expect(records).not.toContain('[DONE]');
  });

  it('passes an upstream\'s own error record on and counts it as that member failing (server_closing: down)', async () => {
    const closing = await upstream({ behaviour: { errorRecordAfterChunks: { chunks: 1, code: 'server_closing' } } });
    const gw = await gateway([{ url: closing.baseURL, name: 'closing', models: [{ name: 'remote-model' }] }], { config: { routing: { healthCheckIntervalMs: 60_000, cooldownMs: 60_000 } } });
    const records = await readSse(await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true })));
    expect((records.at(-1) as { error: { code: string } }).error.code).toBe('server_closing');
    expect(records).not.toContain('[DONE]');
    const after = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model'));
    expect(after.status).toBe(503);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/closing: down/);
    expect(closing.received).toHaveLength(1);
  });

  it('passes chunks on as they arrive, not when the upstream is done', async () => {
    const slowChunks = await upstream({ behaviour: { chunkDelayMs: 2_000, words: ['one', 'two', 'three'] } });
    const gw = await gateway([{ url: slowChunks.baseURL, models: [{ name: 'remote-model' }] }]);
    const started = Date.now();
    const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }));
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const firstAfterMs = Date.now() - started;
    expect(first).toContain('"one"');
    // The whole stream takes at least 6 s; its first word came long before that (the bound leaves room for a loaded machine).
    expect(firstAfterMs).toBeLessThan(3_000);
    await reader.cancel();
  });

  it('cancels the upstream request when the client disconnects', async () => {
    // 50 × 400 ms: far longer than the wait for the cancellation below, which leaves room for a loaded machine.
    const long = await upstream({ behaviour: { chunkDelayMs: 400, words: Array.from({ length: 50 }, (_, i) => `w${i} `) } });
    const gw = await gateway([{ url: long.baseURL, models: [{ name: 'remote-model' }] }]);
    const controller = new AbortController();
    const response = await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true }), {}, controller.signal);
    await response.body!.getReader().read();
    controller.abort();
    await waitFor(() => long.cancelled === 1, 10_000);
    expect(long.active).toBe(0);
    await waitFor(() => gw.server.gateway!.members[0]!.inFlight === 0);
  });

  it('does not let a slow member slow down requests to the others', async () => {
    const slow = await upstream({ model: 'slow-model', behaviour: { firstByteDelayMs: 1_500 } });
    const fast = await upstream({ model: 'fast-model' });
    const gw = await gateway([{ url: slow.baseURL }, { url: fast.baseURL }]);
    const slowDone: number[] = [];
    const slowRequests = Array.from({ length: 4 }, () =>
      postJson(`${gw.baseURL}/chat/completions`, chatBody('slow-model', { stream: true })).then(async (r) => {
        await r.text();
        slowDone.push(Date.now());
      }),
    );
    await waitFor(() => slow.active === 4);
    const fastResponses = await Promise.all(Array.from({ length: 8 }, async () => (await postJson(`${gw.baseURL}/chat/completions`, chatBody('fast-model', { stream: true }))).text()));
    const fastDoneAt = Date.now();
    expect(fastResponses.every((text) => text.includes('[DONE]'))).toBe(true);
    // Every fast request finished while all four slow ones were still waiting for their first byte.
    expect(slowDone).toEqual([]);
    await Promise.all(slowRequests);
    expect(Math.min(...slowDone)).toBeGreaterThan(fastDoneAt);
  });
});

describe('usage', () => {
  it('always asks upstreams for usage, and strips the usage chunk when the client did not ask', async () => {
    const remote = await upstream();
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model' }] }]);
    const records = await readSse(await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true })));
    expect(remote.received[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(records.filter((r) => typeof r === 'object' && r !== null && 'usage' in r)).toEqual([]);
    expect(records.at(-1)).toBe('[DONE]');
  });

  it('passes the upstream\'s usage chunk on when the client asked for it', async () => {
    const remote = await upstream();
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model' }] }]);
    const records = await readSse(await postJson(`${gw.baseURL}/chat/completions`, chatBody('remote-model', { stream: true, stream_options: { include_usage: true } })));
    const usage = records.find((r) => (r as { choices?: unknown[] }).choices?.length === 0) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(usage.usage).toEqual({ prompt_tokens: SCRIPTED_PROMPT_TOKENS, completion_tokens: 5, total_tokens: SCRIPTED_PROMPT_TOKENS + 5 });
  });
});

describe('counting a request it forwards', () => {
  it('takes content parts that are not text objects (null, numbers) as no text, not as a server error', async () => {
    const remote = await upstream();
    const errors: unknown[] = [];
    const gw = await gateway([{ url: remote.baseURL, models: [{ name: 'remote-model' }] }], { server: { onError: (error) => errors.push(error) } });
    for (const content of [[null], [{ type: 'text', text: 'a' }, 7], [{ type: 'text', text: 5 }]]) {
      const response = await postJson(`${gw.baseURL}/chat/completions`, { model: 'remote-model', messages: [{ role: 'user', content }], max_tokens: 3 });
      expect([JSON.stringify(content), response.status]).toEqual([JSON.stringify(content), 200]);
      await response.text();
    }
    expect(errors).toEqual([]);
  });
});

describe('a gateway that cannot listen', () => {
  it('stops probing its upstreams when its port is taken', async () => {
    const remote = await upstream();
    const holder = await startScriptedUpstream();
    open.push(holder);
    const { port } = holder;
    const server = createOpenAiServer({ config: { port, auth: 'none', upstreams: [{ url: remote.baseURL, models: [{ name: 'remote-model' }] }], routing: { healthCheckIntervalMs: 200 } }, deployments: [], store: null, onWarning: () => undefined });
    await expect(server.listen()).rejects.toThrow();
    const probesAtFailure = remote.healthChecks;
    expect(probesAtFailure).toBeGreaterThan(0); // it did start probing before it tried the port
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(remote.healthChecks).toBe(probesAtFailure);
  });
});
