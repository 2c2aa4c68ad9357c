// The engine API's keys and usage routes, as the studio calls them: create (secret once), list, update, revoke, usage.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import type { ApiKeyInfo, CreatedApiKey, UsageReport } from '../../../app/protocol/serving-api.ts';
import type { EngineServer } from '../engine-server.ts';
import { openApiHarness, type ApiHarness } from '../testing/api-harness.ts';

let api: ApiHarness;
let server: EngineServer;
beforeEach(async () => {
  api = await openApiHarness('keys-api', { token: 'test-token', port: 4567 });
  server = api.server;
});
afterEach(() => api.close());

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  server.app.inject({ method, url, payload: payload as object, headers: { host: '127.0.0.1:4567', [TOKEN_HEADER]: 'test-token' } });

it('creates, lists and revokes keys, and reports usage', async () => {
  const created = await call('POST', ROUTES.apiKeys, { name: 'studio-app', models: ['m'], rpm: 10 });
  expect(created.statusCode).toBe(201);
  const { key, info } = created.json<CreatedApiKey>();
  expect(key).toMatch(/^sk-/);
  expect(info).toMatchObject({ name: 'studio-app', models: ['m'], rpm: 10, tpm: null, status: 'active' });
  expect((await call('POST', ROUTES.apiKeys, { name: 'studio-app' })).statusCode).toBe(409);
  expect((await call('POST', ROUTES.apiKeys, { name: 'x', budget: 3 })).statusCode).toBe(400);
  const listed = (await call('GET', ROUTES.apiKeys)).json<ApiKeyInfo[]>();
  expect(listed.map((k) => k.name)).toEqual(['studio-app']);
  expect(JSON.stringify(listed)).not.toContain(key);
  const keyUrl = ROUTES.apiKey.replace(':keyName', 'studio-app');
  const updated = await call('PATCH', keyUrl, { rpm: 20, budget: 5, period: 'month', models: null });
  expect(updated.statusCode).toBe(200);
  expect(updated.json<ApiKeyInfo>()).toMatchObject({ name: 'studio-app', rpm: 20, tpm: null, budget: 5, period: 'month', models: null, hint: info.hint });
  expect((await call('PATCH', keyUrl, { budget: 3 })).statusCode).toBe(400);
  expect((await call('PATCH', keyUrl, {})).statusCode).toBe(400);
  expect((await call('PATCH', keyUrl, { rpm: -1 })).statusCode).toBe(400);
  expect((await call('PATCH', ROUTES.apiKey.replace(':keyName', 'nobody'), { rpm: 1 })).statusCode).toBe(404);
  const revoked = await call('POST', ROUTES.revokeApiKey.replace(':keyName', 'studio-app'));
  expect(revoked.json<ApiKeyInfo>().status).toBe('revoked');
  expect((await call('POST', ROUTES.revokeApiKey.replace(':keyName', 'studio-app'))).statusCode).toBe(404);
  expect((await call('PATCH', keyUrl, { rpm: 1 })).statusCode).toBe(404);
  const usage = await call('GET', `${ROUTES.usage}?key=studio-app&since=2026-01-01`);
  expect(usage.json<UsageReport>()).toEqual({ rows: [], totals: { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0 } });
  expect((await call('GET', `${ROUTES.usage}?since=yesterday`)).statusCode).toBe(400);
});

it('lists, stops and refuses to restart services as the serving panel and `crucible services` call them', async () => {
  let stopped = 0;
  const service = api.engine.services.register({ runId: 'r1', node: 'serve', handle: { kind: 'fixture', name: 'plain', stop: async () => void stopped++ } });
  expect((await call('GET', ROUTES.services)).json<Array<{ id: string; status: string }>>()).toEqual([expect.objectContaining({ id: service.id, status: 'running' })]);
  const restart = await call('POST', ROUTES.restartService.replace(':serviceId', service.id));
  expect(restart.statusCode).toBe(409);
  expect(restart.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'not_restartable', message: expect.stringContaining('only deployments and API endpoints started by a pipeline can') });
  const stop = await call('POST', ROUTES.stopService.replace(':serviceId', service.id));
  expect(stop.json<{ status: string }>().status).toBe('stopped');
  expect(stopped).toBe(1);
  expect((await call('POST', ROUTES.restartService.replace(':serviceId', 'svc-nope'))).statusCode).toBe(404);
  expect((await call('POST', ROUTES.stopService.replace(':serviceId', 'svc-nope'))).statusCode).toBe(404);
});
