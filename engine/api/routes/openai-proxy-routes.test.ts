// The engine's relay to api-endpoints over real HTTP: a real engine server in front of a real OpenAI server over a
// tiny bigram model. Completions and streamed chats pass through, unknown paths and services get 404, a silent
// endpoint 502, and a client that leaves mid-stream frees the endpoint's batch slot.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { Engine } from '../../engine.ts';
import { freePort } from '../../free-port.ts';
import { createKey, sseRecords, waitFor } from '../../endpoint/testing/http-helpers.ts';
import { startTestServer, type TestServer, type TestServerOptions } from '../../endpoint/testing/serving-harness.ts';
import type { EngineServer } from '../engine-server.ts';
import { openApiHarness, type ApiHarness } from '../testing/api-harness.ts';

const TOKEN = 'engine-token';
const MODEL = 'bard-mini';
/** Bans the end-of-text token so a stream lasts its whole max_tokens. */
const NO_END = { '0': -100 };

let api: ApiHarness;
let engine: Engine;
let server: EngineServer;
let engineUrl: string;
let endpoint: TestServer | null = null;

beforeEach(async () => {
  api = await openApiHarness('openai-proxy', { token: TOKEN, port: 0 });
  ({ engine, server } = api);
  engineUrl = (await server.listen()).url;
});
afterEach(async () => {
  await api.close();
  await endpoint?.close();
  endpoint = null;
});

/** A running endpoint registered as the engine's service, as a pipeline's api-endpoint node would leave it. */
async function startEndpoint(options: TestServerOptions = {}): Promise<{ service: ServiceInfo; key: string; endpoint: TestServer }> {
  endpoint = await startTestServer(options);
  const service = registerService({ kind: 'api-endpoint', url: endpoint.url });
  return { service, key: await createKey(endpoint.store, { name: 'studio', rpm: 1000 }), endpoint };
}

function registerService(handle: { kind: string; url?: string }): ServiceInfo {
  return engine.services.register({ runId: 'run-1', node: 'api', handle: { name: MODEL, ...handle, stop: async () => undefined } });
}

function proxied(serviceId: string, endpointPath: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = { [TOKEN_HEADER]: TOKEN, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const url = `${engineUrl}${ROUTES.serviceOpenAi.replace(':serviceId', serviceId)}${endpointPath}`;
  return fetch(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
}

describe('relaying', () => {
  it('passes a completion, its status, body and headers, and the endpoint health', async () => {
    const { service, key } = await startEndpoint();
    const response = await proxied(service.id, '/v1/completions', { headers: { authorization: `Bearer ${key}` }, body: { model: MODEL, prompt: 'First', max_tokens: 3, logit_bias: NO_END } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-ratelimit-limit-requests')).not.toBeNull();
    const body = (await response.json()) as { object: string; usage: { completion_tokens: number } };
    expect(body).toMatchObject({ object: 'text_completion', usage: { completion_tokens: 3 } });

    const health = await proxied(service.id, '/health');
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', models: { [MODEL]: 'ready' } }]);
    const badKey = await proxied(service.id, '/v1/models', { headers: { authorization: 'Bearer sk-wrong' } });
    expect([badKey.status, ((await badKey.json()) as { error: { code: string } }).error.code]).toEqual([401, 'invalid_api_key']);
  });

  it('guards the relay with the engine token and never hands that token to the endpoint', async () => {
    const { service } = await startEndpoint();
    const noToken = await fetch(`${engineUrl}${ROUTES.serviceOpenAi.replace(':serviceId', service.id)}/health`);
    expect(noToken.status).toBe(401);
    // The engine token as a bearer passes the engine's guard, but is not an API key of the endpoint.
    const asBearer = await fetch(`${engineUrl}${ROUTES.serviceOpenAi.replace(':serviceId', service.id)}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([asBearer.status, ((await asBearer.json()) as { error: { message: string } }).error.message]).toEqual([401, expect.stringMatching(/api key/i)]);
  });

  it('streams a chat record by record, while the model is still generating', async () => {
    const { service, key, endpoint } = await startEndpoint({ generator: { tokenDelayMs: 40 } });
    const response = await proxied(service.id, '/v1/chat/completions', {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
      body: { model: MODEL, messages: [{ role: 'user', content: 'Speak' }], max_tokens: 20, logit_bias: NO_END, stream: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"role":"assistant"')) text += decoder.decode((await reader.read()).value);
    expect(endpoint.generator.active).toBe(1);
    const records = sseRecords(text + (await readRest(reader)));
    expect(records.at(-1)).toBe('[DONE]');
    const chunks = records.slice(0, -1) as { object: string; choices: { delta: { role?: string }; finish_reason: string | null }[] }[];
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('frees the endpoint’s batch slot when the client leaves mid-stream', async () => {
    // A long context, so the stream could run far longer (1,000 × 30 ms) than the wait below allows on a loaded machine.
    const { service, key, endpoint } = await startEndpoint({ generator: { tokenDelayMs: 30, contextLength: 1024 }, deployment: { maxBatchSize: 1, maxQueue: 0 } });
    const controller = new AbortController();
    const response = await proxied(service.id, '/v1/completions', {
      headers: { authorization: `Bearer ${key}` },
      body: { model: MODEL, prompt: 'All', max_tokens: 1_000, logit_bias: NO_END, stream: true },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    await response.body!.getReader().read();
    expect(endpoint.deployment.running).toBe(1);
    controller.abort();
    // Left running, the generation would hold the slot for 1,000 × 30 ms.
    await waitFor(() => endpoint.generator.active === 0 && endpoint.deployment.running === 0, 10_000);
    const next = await proxied(service.id, '/v1/completions', { headers: { authorization: `Bearer ${key}` }, body: { model: MODEL, prompt: 'All', max_tokens: 1 } });
    expect(next.status).toBe(200);
  });
});

it('cuts relayed streams when the engine server closes, instead of waiting for them to end', async () => {
  const { service, key } = await startEndpoint({ generator: { tokenDelayMs: 30, contextLength: 1024 } });
  const response = await proxied(service.id, '/v1/completions', { headers: { authorization: `Bearer ${key}` }, body: { model: MODEL, prompt: 'All', max_tokens: 1_000, logit_bias: NO_END, stream: true } });
  const reader = response.body!.getReader();
  await reader.read();
  const closingStartedMs = Date.now();
  await server.close();
  // The stream alone would take 1,000 × 30 ms; the bound leaves room for a loaded machine.
  expect(Date.now() - closingStartedMs).toBeLessThan(10_000);
  await expect(readRest(reader)).rejects.toThrow();
});

describe('refusals', () => {
  const errorOf = async (response: Response) => [response.status, ((await response.json()) as { error: { code: string } }).error.code];

  it('answers 404 for an unknown, stopped or non-endpoint service, and for paths outside /v1 and /health', async () => {
    const { service } = await startEndpoint();
    expect(await errorOf(await proxied('svc-nope', '/health'))).toEqual([404, 'service_not_found']);
    const deployment = registerService({ kind: 'deployment' });
    expect(await errorOf(await proxied(deployment.id, '/health'))).toEqual([404, 'not_an_endpoint']);
    expect(await errorOf(await proxied(service.id, '/metrics'))).toEqual([404, 'proxy_path_not_allowed']);
    expect(await errorOf(await proxied(service.id, '/v1/%2e%2e/metrics'))).toEqual([404, 'proxy_path_not_allowed']);
    await engine.stopService(service.id);
    const stopped = await proxied(service.id, '/health');
    expect(stopped.status).toBe(404);
    expect(await stopped.json()).toEqual({ error: { code: 'service_not_running', message: expect.stringContaining('run its pipeline again') } });
  });

  it('answers 502 when the endpoint does not answer', async () => {
    const service = registerService({ kind: 'api-endpoint', url: `http://127.0.0.1:${await freePort()}` });
    const response = await proxied(service.id, '/health');
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { code: 'endpoint_unreachable', message: expect.stringContaining(`"${service.id}"`) } });
  });
});

/** What is left of a stream, as text; rejects when the stream is cut off. */
async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value, { stream: true });
  return text;
}
