// The serving panel's store actions against a fake engine and a scripted endpoint: health lights per running
// endpoint, keys created from the form (secret kept until dismissed) and revoked, usage by filter, and letting
// this page's origin call an endpoint through its node's cors list.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { ApiKeyInfo, CreateApiKeyRequest, UsageQuery, UsageReport } from '../../../app/protocol/serving-api.ts';
import { scriptedFetch } from '../serving/sse-fixtures.ts';
import { fakeEngineApi } from './fake-engine.ts';
import { defaultUsageSince } from './serving-actions.ts';
import { createTestStore } from './test-store.ts';

const ORIGIN = 'http://127.0.0.1:4123';

function service(id: string, patch: Partial<ServiceInfo> = {}): ServiceInfo {
  return { id, runId: 'r1', node: 'api', kind: 'api-endpoint', name: 'tiny', url: `http://127.0.0.1:${id === 'a' ? 8080 : 8081}`, startedAt: '2026-03-01T00:00:00Z', status: 'running', details: { models: ['tiny'] }, ...patch };
}

function keyInfo(name: string, patch: Partial<ApiKeyInfo> = {}): ApiKeyInfo {
  return { id: `key_${name}`, name, hint: 'sk-…abcd', models: null, rpm: null, tpm: null, concurrency: null, budget: null, period: null, expiresAt: null, createdAt: '2026-03-01T00:00:00Z', revokedAt: null, status: 'active', ...patch };
}

describe('health lights', () => {
  it('asks each running endpoint’s /health and forgets services no longer listed', async () => {
    const { fetch, requests } = scriptedFetch((request) => (request.url.includes(':8080') ? Response.json({ status: 'ok' }) : Response.json({ status: 'loading' }, { status: 503 })));
    const store = createTestStore({ endpointFetch: fetch, pageOrigin: ORIGIN });
    store.setState({ services: [service('a'), service('b'), service('c', { status: 'stopped' }), service('d', { kind: 'deployment', url: undefined })] });
    await store.getState().pollHealth();
    expect(requests.map((request) => request.url).sort()).toEqual(['http://127.0.0.1:8080/health', 'http://127.0.0.1:8081/health']);
    expect(store.getState().health).toMatchObject({ a: { state: 'ok' }, b: { state: 'loading' } });

    store.setState({ services: [service('b')] });
    await store.getState().pollHealth();
    expect(Object.keys(store.getState().health)).toEqual(['b']);
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

describe('allowPageOrigin', () => {
  it('adds this page’s origin to the api-endpoint node’s cors list, as an undoable edit', () => {
    const store = createTestStore({ pageOrigin: ORIGIN });
    const node = store.getState().addNode('api-endpoint')!;
    store.setState({ services: [service('a', { node })] });
    store.getState().allowPageOrigin('a');
    const cors = () => store.getState().doc.nodes.find((candidate) => candidate.id === node)!.config.cors;
    expect(cors()).toEqual([ORIGIN]);
    store.getState().allowPageOrigin('a');
    expect(cors()).toEqual([ORIGIN]);
    expect(store.getState().notice?.message).toContain('run the pipeline again');
    store.getState().undo();
    expect(cors()).toEqual([]);
  });

  it('says what to do when the open pipeline has no such node', () => {
    const store = createTestStore({ pageOrigin: ORIGIN });
    store.setState({ services: [service('a', { node: 'elsewhere' })] });
    store.getState().allowPageOrigin('a');
    expect(store.getState().notice).toMatchObject({ kind: 'error', message: expect.stringContaining('no api-endpoint node "elsewhere"') });
  });
});
