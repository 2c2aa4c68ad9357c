// The engine client's key and usage calls: the routes and methods of app/protocol/engine-api.ts, the token on
// every request, query parameters only when set, and the engine's error code kept.
import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import { scriptedFetch } from '../serving/testing/sse-fixtures.ts';
import { createEngineClient, queryString } from './engine-client.ts';

describe('queryString', () => {
  it('keeps only the parameters that are set', () => {
    expect(queryString({ key: 'app', since: undefined, until: '' })).toBe('?key=app');
    expect(queryString({})).toBe('');
  });
});

describe('keys and usage calls', () => {
  it('lists, creates, updates and revokes keys and reads usage through the engine routes', async () => {
    const { fetch, requests } = scriptedFetch((request) => Response.json(request.url.includes('usage') ? { rows: [], totals: {} } : [], { status: request.method === 'POST' ? 201 : 200 }));
    const client = createEngineClient({ baseUrl: 'http://127.0.0.1:4000', token: 'tok' }, fetch);
    await client.listApiKeys();
    await client.createApiKey({ name: 'app', rpm: 5 });
    await client.updateApiKey('my.key', { rpm: 9 });
    await client.revokeApiKey('my.key');
    await client.usage({ key: 'app', since: '2026-03-01' });
    await client.usage();
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET http://127.0.0.1:4000/api/keys',
      'POST http://127.0.0.1:4000/api/keys',
      'PATCH http://127.0.0.1:4000/api/keys/my.key',
      'POST http://127.0.0.1:4000/api/keys/my.key/revoke',
      'GET http://127.0.0.1:4000/api/usage?key=app&since=2026-03-01',
      'GET http://127.0.0.1:4000/api/usage',
    ]);
    expect(requests[1]!.body).toEqual({ name: 'app', rpm: 5 });
    expect(requests[2]!.body).toEqual({ rpm: 9 });
    expect(requests.every((request) => request.headers[TOKEN_HEADER] === 'tok')).toBe(true);
  });

  it('keeps the engine’s code when a key name is taken', async () => {
    const { fetch } = scriptedFetch(() => Response.json({ error: { code: 'key_name_taken', message: 'an active API key is already named "app"' } }, { status: 409 }));
    await expect(createEngineClient({ baseUrl: '', token: 't' }, fetch).createApiKey({ name: 'app' })).rejects.toMatchObject({ status: 409, code: 'key_name_taken' });
  });
});

describe('calls to a served endpoint', () => {
  it('go through the engine relay with the token beside the caller’s headers, and hand back the raw answer', async () => {
    const { fetch, requests } = scriptedFetch(() => Response.json({ error: { code: 'service_not_found', message: 'no service' } }, { status: 404 }));
    const client = createEngineClient({ baseUrl: 'http://127.0.0.1:4000', token: 'tok' }, fetch);
    const response = await client.fetchFromService('svc-1', '/v1/models', { headers: { authorization: 'Bearer sk-app' } });
    expect(response.status).toBe(404);
    expect(requests[0]).toMatchObject({ url: 'http://127.0.0.1:4000/api/services/svc-1/openai/v1/models', method: 'GET', headers: { authorization: 'Bearer sk-app', [TOKEN_HEADER]: 'tok' } });
  });
});
