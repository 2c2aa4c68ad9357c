// The playground's store actions against a scripted endpoint behind the engine's relay: a chat turn streams into the
// conversation with the system prompt and sampling settings sent, gaps (no endpoint, no key) and endpoint errors are
// said in its error line, Stop keeps what arrived, completions stream too, and a one-hour key is made for its model.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { CreateApiKeyRequest } from '../../../app/protocol/serving-api.ts';
import { createEngineClient } from '../api/engine-client.ts';
import { chatChunk, completionChunk, DONE, scriptedFetch, sseBody, usageChunk, type ScriptedAnswer } from '../serving/testing/sse-fixtures.ts';
import { fakeEngineApi } from './testing/fake-engine.ts';
import { playgroundTarget } from './playground-actions.ts';
import { createTestStore } from './testing/test-store.ts';

const ENDPOINT: ServiceInfo = { id: 'svc1', runId: 'r1', node: 'api', kind: 'api-endpoint', name: 'tiny, big', url: 'http://127.0.0.1:8080', startedAt: '2026-03-01T00:00:00Z', status: 'running', details: { models: ['tiny', 'big'] } };

/** A store attached to an engine (on this page's origin) whose relay answers from `answer`. */
function playgroundStore(answer: ScriptedAnswer) {
  const endpoint = scriptedFetch(answer);
  const store = createTestStore();
  store.getState().attachEngine(fakeEngineApi({ fetchFromService: createEngineClient({ baseUrl: '', token: 't' }, endpoint.fetch).fetchFromService }));
  store.setState({ services: [ENDPOINT] });
  store.getState().setPlayground({ apiKey: 'sk-play' });
  return { store, requests: endpoint.requests };
}

const streamed = (chunks: string[]): ScriptedAnswer => () => new Response(sseBody(chunks), { headers: { 'content-type': 'text/event-stream' } });

describe('playgroundTarget', () => {
  it('picks the chosen endpoint and model, or the first of each', () => {
    const other = { ...ENDPOINT, id: 'svc2', url: 'http://127.0.0.1:9090', details: { models: ['solo'] } };
    const services = [ENDPOINT, other];
    const base = createTestStore().getState().playground;
    expect(playgroundTarget({ services, playground: base })).toMatchObject({ service: { id: 'svc1' }, model: 'tiny' });
    expect(playgroundTarget({ services, playground: { ...base, serviceId: 'svc2', model: 'big' } })).toMatchObject({ service: { id: 'svc2' }, model: 'solo' });
    expect(playgroundTarget({ services: [{ ...ENDPOINT, status: 'stopped' }], playground: base })).toBeNull();
  });
});

describe('chat', () => {
  it('streams the reply into the conversation, sending the system prompt, history and sampling settings', async () => {
    const { store, requests } = playgroundStore(streamed([chatChunk('Good'), chatChunk(' morrow', 'stop'), usageChunk(9, 2), DONE]));
    store.getState().setPlayground({ systemPrompt: 'Speak as a bard.', model: 'big', sampling: { temperature: 0.2, maxTokens: 12 }, draft: 'Hello' });
    await store.getState().sendChatMessage();
    const { playground } = store.getState();
    expect(playground.messages).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Good morrow' },
    ]);
    expect(playground).toMatchObject({ draft: '', streaming: false, error: null, finishReason: 'stop', usage: { promptTokens: 9, completionTokens: 2 } });
    expect(requests[0]!.url).toBe('/api/services/svc1/openai/v1/chat/completions');
    expect(requests[0]!.headers.authorization).toBe('Bearer sk-play');
    expect(requests[0]!.body).toMatchObject({
      model: 'big',
      temperature: 0.2,
      top_p: 1,
      max_tokens: 12,
      stream: true,
      messages: [
        { role: 'system', content: 'Speak as a bard.' },
        { role: 'user', content: 'Hello' },
      ],
    });

    store.getState().setPlayground({ draft: 'Again' });
    await store.getState().sendChatMessage();
    expect((requests[1]!.body as { messages: unknown[] }).messages).toHaveLength(4);
  });

  it('says what is missing instead of calling: an endpoint, then a key', async () => {
    const { store, requests } = playgroundStore(streamed([DONE]));
    store.setState({ services: [] });
    store.getState().setPlayground({ draft: 'Hi' });
    await store.getState().sendChatMessage();
    expect(store.getState().playground.error).toContain('No running API endpoint');
    store.setState({ services: [ENDPOINT] });
    store.getState().setPlayground({ apiKey: ' ' });
    await store.getState().sendChatMessage();
    expect(store.getState().playground.error).toContain('An API key is needed');
    expect(requests).toEqual([]);
    expect(store.getState().playground.messages).toEqual([]);
  });

  it('shows the endpoint’s error and drops the reply that never started', async () => {
    const { store } = playgroundStore(() => Response.json({ error: { message: 'Incorrect API key provided.', code: 'invalid_api_key' } }, { status: 401 }));
    store.getState().setPlayground({ draft: 'Hi' });
    await store.getState().sendChatMessage();
    expect(store.getState().playground).toMatchObject({ streaming: false, error: 'Incorrect API key provided.', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('stops a stream on request and keeps the text that arrived', async () => {
    const { store } = playgroundStore((_request, signal) => new Response(sseBody([chatChunk('Once upon')], { keepOpen: true, signal })));
    store.getState().setPlayground({ draft: 'Tell me a tale' });
    const sending = store.getState().sendChatMessage();
    await expect.poll(() => store.getState().playground.messages.at(-1)?.content).toBe('Once upon');
    expect(store.getState().playground.streaming).toBe(true);
    store.getState().stopGeneration();
    await sending;
    expect(store.getState().playground).toMatchObject({ streaming: false, error: null, finishReason: 'stopped' });
    expect(store.getState().playground.messages.at(-1)).toEqual({ role: 'assistant', content: 'Once upon' });
  });
});

describe('completion', () => {
  it('streams a completion of the prompt from /v1/completions', async () => {
    const { store, requests } = playgroundStore(streamed([completionChunk(' thee'), completionChunk(' to', 'length'), DONE]));
    store.getState().setPlayground({ mode: 'completion', prompt: 'Shall I compare' });
    await store.getState().runCompletion();
    expect(store.getState().playground).toMatchObject({ completion: ' thee to', finishReason: 'length', streaming: false });
    expect(requests[0]!.url).toBe('/api/services/svc1/openai/v1/completions');
    expect(requests[0]!.body).toMatchObject({ prompt: 'Shall I compare', model: 'tiny' });
  });
});

describe('playground keys', () => {
  it('creates a key for the endpoint’s model that expires in an hour, and uses it', async () => {
    const created: CreateApiKeyRequest[] = [];
    const { store } = playgroundStore(streamed([DONE]));
    store.getState().setPlayground({ apiKey: '' });
    store.getState().attachEngine(fakeEngineApi({ createApiKey: async (request) => (created.push(request), { key: 'sk-hour', info: { id: 'k1', name: request.name, hint: 'sk-…hour', models: request.models ?? null, rpm: null, tpm: null, concurrency: null, budget: null, period: null, expiresAt: request.expiresAt ?? null, createdAt: '', revokedAt: null, status: 'active' } }) }));
    const before = Date.now();
    await store.getState().createPlaygroundKey();
    expect(store.getState().playground.apiKey).toBe('sk-hour');
    expect(created[0]!.name).toMatch(/^playground-\d{14}$/);
    expect(created[0]!.models).toEqual(['tiny']);
    const expiresInMs = Date.parse(created[0]!.expiresAt!) - before;
    expect(expiresInMs).toBeGreaterThan(59 * 60_000);
    expect(expiresInMs).toBeLessThan(61 * 60_000);
    expect(store.getState().apiKeys.map((key) => key.name)).toEqual([created[0]!.name]);
  });

  it('puts a created key into the playground and shows it', () => {
    const { store } = playgroundStore(streamed([DONE]));
    store.getState().tryKeyInPlayground('sk-new');
    expect(store.getState()).toMatchObject({ servingTab: 'playground', playground: { apiKey: 'sk-new' } });
  });
});
