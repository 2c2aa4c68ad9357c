// Calling an endpoint from the page: /health answers become lights (ready, loading, failed, unreachable with the
// CORS fix named), and a streamed generation posts the OpenAI body with the key and reads the reply or the error.
import { describe, expect, it } from 'vitest';
import { createEndpointClient, serviceRoot } from './endpoint-client.ts';
import { chatChunk, DONE, scriptedFetch, sseBody } from './sse-fixtures.ts';

const ORIGIN = 'http://127.0.0.1:4123';
const clock = () => new Date('2026-03-01T10:00:00.000Z');

describe('serviceRoot', () => {
  it('drops a trailing slash and /v1', () => {
    expect(serviceRoot('http://127.0.0.1:8080/v1/')).toBe('http://127.0.0.1:8080');
    expect(serviceRoot('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });
});

describe('health', () => {
  it('reads ready, loading and failed from /health', async () => {
    const answers = [Response.json({ status: 'ok' }), Response.json({ status: 'loading' }, { status: 503 }), Response.json({ status: 'failed' }, { status: 503 }), new Response('', { status: 500 })];
    const { fetch, requests } = scriptedFetch(() => answers.shift()!);
    const client = createEndpointClient({ fetch, pageOrigin: ORIGIN, now: clock });
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await client.health('http://127.0.0.1:8080/v1'));
    expect(states.map((health) => health.state)).toEqual(['ok', 'loading', 'failed', 'failed']);
    expect(states[3]!.detail).toContain('HTTP 500');
    expect(states[0]!.checkedAt).toBe('2026-03-01T10:00:00.000Z');
    expect(requests[0]!.url).toBe('http://127.0.0.1:8080/health');
  });

  it('calls a refused or stopped endpoint unreachable and names this page’s origin for its cors list', async () => {
    const { fetch } = scriptedFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const health = await createEndpointClient({ fetch, pageOrigin: ORIGIN }).health('http://127.0.0.1:8080');
    expect(health.state).toBe('unreachable');
    expect(health.detail).toContain('Failed to fetch');
    expect(health.detail).toContain(`"${ORIGIN}"`);
    expect(health.detail).toContain('"cors"');
  });

  it('gives up on a /health that does not answer in time', async () => {
    const { fetch } = scriptedFetch((_request, signal) => new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(signal!.reason))));
    const health = await createEndpointClient({ fetch, pageOrigin: null, healthTimeoutMs: 20 }).health('http://127.0.0.1:8080');
    expect(health).toMatchObject({ state: 'unreachable', detail: 'http://127.0.0.1:8080/health did not answer within 0.02 s' });
  });
});

describe('streamGeneration', () => {
  it('posts a streamed chat request with the key and reads the reply', async () => {
    const { fetch, requests } = scriptedFetch(() => new Response(sseBody([chatChunk('Hel'), chatChunk('lo', 'stop'), DONE]), { headers: { 'content-type': 'text/event-stream' } }));
    const client = createEndpointClient({ fetch, pageOrigin: ORIGIN });
    const pieces: string[] = [];
    const outcome = await client.streamGeneration({ url: 'http://127.0.0.1:8080', apiKey: 'sk-test', kind: 'chat', body: { model: 'm', messages: [{ role: 'user', content: 'Hi' }] } }, (text) => pieces.push(text), new AbortController().signal);
    expect(pieces).toEqual(['Hel', 'lo']);
    expect(outcome.finishReason).toBe('stop');
    expect(requests[0]).toMatchObject({ url: 'http://127.0.0.1:8080/v1/chat/completions', method: 'POST', headers: { authorization: 'Bearer sk-test' } });
    expect(requests[0]!.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  });

  it('posts completions to /v1/completions', async () => {
    const { fetch, requests } = scriptedFetch(() => new Response(sseBody([DONE])));
    await createEndpointClient({ fetch, pageOrigin: null }).streamGeneration({ url: 'http://h:1/v1', apiKey: 'k', kind: 'completion', body: { prompt: 'x' } }, () => undefined, new AbortController().signal);
    expect(requests[0]!.url).toBe('http://h:1/v1/completions');
  });

  it('passes on the endpoint’s error message and code', async () => {
    const { fetch } = scriptedFetch(() => Response.json({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 }));
    const call = createEndpointClient({ fetch, pageOrigin: null }).streamGeneration({ url: 'http://h:1', apiKey: 'bad', kind: 'chat', body: {} }, () => undefined, new AbortController().signal);
    await expect(call).rejects.toMatchObject({ message: 'Incorrect API key provided.', status: 401, code: 'invalid_api_key' });
  });
});
