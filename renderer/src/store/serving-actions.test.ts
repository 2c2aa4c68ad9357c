// The serving panel's store actions against a fake engine and a scripted endpoint behind its relay: health lights
// per running endpoint, keys created from the form (secret kept until dismissed) and revoked, and usage by filter.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { ApiKeyInfo, CreateApiKeyRequest, UpdateApiKeyRequest, UsageQuery, UsageReport } from '../../../app/protocol/serving-api.ts';
import { createEngineClient } from '../api/engine-client.ts';
import { scriptedFetch } from '../serving/testing/sse-fixtures.ts';
import { fakeEngineApi } from './testing/fake-engine.ts';
import { defaultUsageSince } from './serving-actions.ts';
import { createTestStore } from './testing/test-store.ts';

function service(id: string, patch: Partial<ServiceInfo> = {}): ServiceInfo {
  return { id, runId: 'r1', node: 'api', kind: 'api-endpoint', name: 'tiny', url: `http://127.0.0.1:${id === 'a' ? 8080 : 8081}`, startedAt: '2026-03-01T00:00:00Z', status: 'running', details: { models: ['tiny'] }, ...patch };
}

function keyInfo(name: string, patch: Partial<ApiKeyInfo> = {}): ApiKeyInfo {
  return { id: `key_${name}`, name, hint: 'sk-…abcd', models: null, rpm: null, tpm: null, concurrency: null, budget: null, period: null, expiresAt: null, createdAt: '2026-03-01T00:00:00Z', revokedAt: null, status: 'active', ...patch };
}

describe('health lights', () => {
  it('asks each running endpoint’s /health through the engine and forgets services no longer listed', async () => {
    const { fetch, requests } = scriptedFetch((request) => (request.url.includes('/a/') ? Response.json({ status: 'ok' }) : Response.json({ status: 'loading' }, { status: 503 })));
    const store = createTestStore();
    store.getState().attachEngine(fakeEngineApi({ fetchFromService: createEngineClient({ baseUrl: 'http://127.0.0.1:4123', token: 't' }, fetch).fetchFromService }));
    store.setState({ services: [service('a'), service('b'), service('c', { status: 'stopped' }), service('d', { kind: 'deployment', url: undefined })] });
    await store.getState().pollHealth();
    expect(requests.map((request) => request.url).sort()).toEqual(['http://127.0.0.1:4123/api/services/a/openai/health', 'http://127.0.0.1:4123/api/services/b/openai/health']);
    expect(store.getState().health).toMatchObject({ a: { state: 'ok' }, b: { state: 'loading' } });

    store.setState({ services: [service('b')] });
    await store.getState().pollHealth();
    expect(Object.keys(store.getState().health)).toEqual(['b']);
  });

  it('lights an endpoint unreachable, saying why, while no engine is attached', async () => {
    const store = createTestStore();
    store.setState({ services: [service('a')] });
    await store.getState().pollHealth();
    expect(store.getState().health.a).toMatchObject({ state: 'unreachable', detail: expect.stringContaining('not connected to an engine') });
  });
});

describe('API keys', () => {
  it('refuses a bad draft beside the form without calling the engine', async () => {
    const created: CreateApiKeyRequest[] = [];
    const store = createTestStore();
    store.getState().attachEngine(fakeEngineApi({ createApiKey: async (request) => (created.push(request), { key: 'sk-x', info: keyInfo(request.name) }) }));
    store.getState().setKeyDraft({ name: 'app', budget: '5' });
    expect(await store.getState().createApiKey()).toBeNull();
    expect(store.getState().keyDraftProblem).toContain('budget and period go together');
    expect(created).toEqual([]);
    store.getState().setKeyDraft({ period: 'day' });
    expect(store.getState().keyDraftProblem).toBeNull();
  });

  it('creates a key from the draft, keeps its secret until dismissed, and revokes it', async () => {
    const created: CreateApiKeyRequest[] = [];
    const store = createTestStore();
    store.getState().attachEngine(
      fakeEngineApi({
        createApiKey: async (request) => (created.push(request), { key: 'sk-secret-1234', info: keyInfo(request.name, { rpm: request.rpm ?? null }) }),
        revokeApiKey: async (name) => keyInfo(name, { status: 'revoked', revokedAt: '2026-03-02T00:00:00Z' }),
      }),
    );
    store.getState().setKeyDraft({ name: 'app', models: 'tiny', rpm: '30', budget: '2', period: 'day' });
    const result = await store.getState().createApiKey();
    expect(created).toEqual([{ name: 'app', models: ['tiny'], rpm: 30, tpm: null, concurrency: null, budget: 2, period: 'day', expiresAt: null }]);
    expect(result?.key).toBe('sk-secret-1234');
    expect(store.getState().createdKey?.key).toBe('sk-secret-1234');
    expect(store.getState().keyDraft.name).toBe('');
    expect(store.getState().apiKeys.map((key) => [key.name, key.rpm])).toEqual([['app', 30]]);

    store.getState().dismissCreatedKey();
    expect(store.getState().createdKey).toBeNull();
    await store.getState().revokeApiKey('app');
    expect(store.getState().apiKeys[0]!.status).toBe('revoked');
    expect(store.getState().notice?.message).toContain('"app" revoked');
  });

  it('edits an active key from its settings, saves every setting, and leaves editing when it is revoked', async () => {
    const updates: [string, UpdateApiKeyRequest][] = [];
    const store = createTestStore();
    store.getState().attachEngine(
      fakeEngineApi({
        updateApiKey: async (name, changes) => (updates.push([name, changes]), keyInfo(name, { rpm: changes.rpm ?? null, tpm: changes.tpm ?? null })),
        revokeApiKey: async (name) => keyInfo(name, { status: 'revoked', revokedAt: '2026-03-02T00:00:00Z' }),
      }),
    );
    store.setState({ apiKeys: [keyInfo('app', { rpm: 30, tpm: 1000 }), keyInfo('old', { status: 'revoked' })] });
    store.getState().editApiKey('old');
    expect(store.getState().editingKeyName).toBeNull();
    store.getState().editApiKey('app');
    expect(store.getState().editingKeyName).toBe('app');
    expect(store.getState().keyDraft).toMatchObject({ name: 'app', rpm: '30', tpm: '1000' });
    store.getState().setKeyDraft({ rpm: '90', tpm: '' });
    expect(await store.getState().saveApiKey()).toBe(true);
    expect(updates).toEqual([['app', { models: null, rpm: 90, tpm: null, concurrency: null, budget: null, period: null, expiresAt: null }]]);
    expect(store.getState().apiKeys.find((key) => key.name === 'app')).toMatchObject({ rpm: 90, tpm: null });
    expect(store.getState().editingKeyName).toBeNull();
    expect(store.getState().keyDraft.name).toBe('');
    expect(store.getState().notice?.message).toContain('"app" updated');

    store.getState().editApiKey('app');
    await store.getState().revokeApiKey('app');
    expect(store.getState().editingKeyName).toBeNull();
  });

  it('shows the engine’s refusal, e.g. a name already taken', async () => {
    const store = createTestStore();
    store.getState().attachEngine(fakeEngineApi({ createApiKey: async () => Promise.reject(new Error('an active API key is already named "app"')) }));
    store.getState().setKeyDraft({ name: 'app' });
    expect(await store.getState().createApiKey()).toBeNull();
    expect(store.getState().notice).toMatchObject({ kind: 'error', message: 'Cannot create the API key "app": an active API key is already named "app"' });
    expect(store.getState().keyDraft.name).toBe('app');
  });
});

describe('usage', () => {
  it('starts at the last 30 days and asks the engine with the filter', async () => {
    expect(defaultUsageSince(new Date('2026-03-30T12:00:00Z'))).toBe('2026-03-01');
    const queries: UsageQuery[] = [];
    const report: UsageReport = { rows: [], totals: { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0 } };
    const store = createTestStore();
    store.getState().attachEngine(fakeEngineApi({ usage: async (query) => (queries.push(query ?? {}), report) }));
    store.getState().showServingTab('usage');
    store.getState().setUsageFilter({ key: 'app', since: '2026-02-01' });
    await expect.poll(() => queries.length).toBe(2);
    expect(queries).toEqual([{ key: undefined, since: defaultUsageSince() }, { key: 'app', since: '2026-02-01' }]);
    expect(store.getState().usage).toBe(report);
  });
});
