// Calling an endpoint from the page through the engine's relay: /health answers (the endpoint's, or the engine's
// when it cannot relay) become lights, and a streamed generation posts the OpenAI body with the key and reads it.
import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import { createEngineClient } from '../api/engine-client.ts';
import { createEndpointClient, type EndpointClientOptions } from './endpoint-client.ts';
import { chatChunk, DONE, scriptedFetch, sseBody, type ScriptedAnswer } from './testing/sse-fixtures.ts';

const ENGINE = { baseUrl: 'http://127.0.0.1:4123', token: 'engine-token' };
const RELAY = `${ENGINE.baseUrl}/api/services/svc-1/openai`;
const clock = () => new Date('2026-03-01T10:00:00.000Z');

/** An endpoint client over a real engine client whose fetch answers from `answer`. */
function clientOver(answer: ScriptedAnswer, options: Omit<EndpointClientOptions, 'fetchFromService'> = {}) {
  const { fetch, requests } = scriptedFetch(answer);
  const engine = createEngineClient(ENGINE, fetch);
  return { client: createEndpointClient({ fetchFromService: engine.fetchFromService, ...options }), requests };
}

describe('health', () => {
  it('reads ready, loading and failed from the endpoint’s /health, asked through the engine', async () => {
    const answers = [Response.json({ status: 'ok' }), Response.json({ status: 'loading' }, { status: 503 }), Response.json({ status: 'failed' }, { status: 503 }), new Response('', { status: 500 })];
    const { client, requests } = clientOver(() => answers.shift()!, { now: clock });
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await client.health('svc-1'));
    expect(states.map((health) => health.state)).toEqual(['ok', 'loading', 'failed', 'failed']);
    expect(states[3]!.detail).toContain('HTTP 500');
    expect(states[0]!.checkedAt).toBe('2026-03-01T10:00:00.000Z');
    expect(requests[0]).toMatchObject({ url: `${RELAY}/health`, method: 'GET', headers: { [TOKEN_HEADER]: 'engine-token' } });
  });

  it('shows the engine’s reason when it cannot relay, and a failed call to the engine', async () => {
    const stopped = { error: { code: 'service_not_running', message: 'api-endpoint service "svc-1" is stopped; run its pipeline again to start it' } };
    const { client } = clientOver(() => Response.json(stopped, { status: 404 }));
    expect(await client.health('svc-1')).toMatchObject({ state: 'unreachable', detail: stopped.error.message });
    const offline = clientOver(() => Promise.reject(new TypeError('Failed to fetch'))).client;
    expect((await offline.health('svc-1')).detail).toBe('Cannot ask /health through the engine (Failed to fetch).');
  });

  it('gives up on a /health that does not answer in time', async () => {
    const { client } = clientOver((_request, signal) => new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))), { healthTimeoutMs: 20 });
    expect(await client.health('svc-1')).toMatchObject({ state: 'unreachable', detail: '/health did not answer within 0.02 s' });
  });
});

describe('streamGeneration', () => {
  it('posts a streamed chat request with the API key beside the engine token, and reads the reply', async () => {
    const { client, requests } = clientOver(() => new Response(sseBody([chatChunk('Hel'), chatChunk('lo', 'stop'), DONE]), { headers: { 'content-type': 'text/event-stream' } }));
    const pieces: string[] = [];
    const outcome = await client.streamGeneration({ serviceId: 'svc-1', apiKey: 'sk-test', kind: 'chat', body: { model: 'm', messages: [{ role: 'user', content: 'Hi' }] } }, (text) => pieces.push(text), new AbortController().signal);
    expect(pieces).toEqual(['Hel', 'lo']);
    expect(outcome.finishReason).toBe('stop');
    expect(requests[0]).toMatchObject({
      url: `${RELAY}/v1/chat/completions`,
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', [TOKEN_HEADER]: 'engine-token', accept: 'text/event-stream', 'content-type': 'application/json' },
    });
    expect(requests[0]!.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  });

  it('posts completions to /v1/completions of the chosen service', async () => {
    const { client, requests } = clientOver(() => new Response(sseBody([DONE])));
    await client.streamGeneration({ serviceId: 'svc 2', apiKey: 'k', kind: 'completion', body: { prompt: 'x' } }, () => undefined, new AbortController().signal);
    expect(requests[0]!.url).toBe(`${ENGINE.baseUrl}/api/services/svc%202/openai/v1/completions`);
  });

  it('passes on the endpoint’s error message and code, and the engine’s', async () => {
    const endpointRefusal = { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } };
    const call = (client: ReturnType<typeof clientOver>['client']) => client.streamGeneration({ serviceId: 'svc-1', apiKey: 'bad', kind: 'chat', body: {} }, () => undefined, new AbortController().signal);
    await expect(call(clientOver(() => Response.json(endpointRefusal, { status: 401 })).client)).rejects.toMatchObject({ message: 'Incorrect API key provided.', status: 401, code: 'invalid_api_key' });
    const silent = { error: { code: 'endpoint_unreachable', message: 'api-endpoint service "svc-1" at http://127.0.0.1:8080 did not answer' } };
    await expect(call(clientOver(() => Response.json(silent, { status: 502 })).client)).rejects.toMatchObject({ status: 502, code: 'endpoint_unreachable', message: silent.error.message });
  });
});
