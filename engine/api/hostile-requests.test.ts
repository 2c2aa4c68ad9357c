// 500 seeded hostile requests against the engine API, with the token (so they reach the handlers): every route,
// odd spellings of its path, deep nesting, invalid UTF-8, prototype keys, wrong types, huge numbers and odd
// content types. Each must get a 4xx in the engine's error shape; the engine stays up and its memory flat.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROUTES, TOKEN_HEADER } from '../../app/protocol/engine-api.ts';
import { heapGrowthAcross, sendInBatches } from '../testing/load.ts';
import type { EngineServer } from './engine-server.ts';
import { openApiHarness, type ApiHarness } from './testing/api-harness.ts';

const TOKEN = 'hostile-token';
const BODY_LIMIT_BYTES = 64 * 1024;
let api: ApiHarness;
let server: EngineServer;
let host: string;

beforeAll(async () => {
  api = await openApiHarness('hostile-engine', { token: TOKEN, port: 0, bodyLimitBytes: BODY_LIMIT_BYTES });
  server = api.server;
  host = new URL((await server.listen()).url).host;
});
afterAll(() => api.close());

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const hostileValue = fc.oneof(
  fc.constantFrom(nested(5_000, '[', ']'), nested(3_000, '{"a":', '}'), '1e999', '-1e999', '1e308', '9007199254740993', '-0', 'NaN', 'null', 'true', '""', '"\\u0000"', `"${'x'.repeat(70_000)}"`),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '[{"__proto__":null}]'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 30 }).map((text) => JSON.stringify(text)),
);

const FIELDS = ['pipeline', 'pipelinePath', 'targets', 'overrides', 'force', 'code', 'name', 'models', 'rpm', 'tpm', 'budget', 'expiresAt', 'node', 'field', 'value', 'limit', 'offset'];

/** A JSON body: an object of fields with hostile values, or a hostile value alone. */
const hostileJson = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 4 }).map((fields) => `{${Object.entries(fields).map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`),
  hostileValue,
  fc.string({ maxLength: 60 }).map((text) => `{"pipeline":${text}`),
);

const hostileBody = fc.oneof(
  { weight: 6, arbitrary: hostileJson.map((text) => ({ body: Buffer.from(text), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => ({ body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin-9000', 'multipart/form-data; boundary=x').map((type) => ({ body: Buffer.from('name=x'), type })) },
  { weight: 1, arbitrary: fc.constant({ body: Buffer.from(`{"pipeline":"${'y'.repeat(BODY_LIMIT_BYTES)}"}`), type: 'application/json' }) },
);

const hostileQuery = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?limit=1e999', '?limit=-1', '?offset=NaN', '?limit=0x10', '?afterId=-5', '?node=', `?node=${'n'.repeat(500)}`, '?limit[]=1&limit[]=2', '?__proto__[x]=1', '?limit=%zz'),
);

const hostileSegment = fc.oneof(fc.constantFrom('run-1', '', '%2e%2e', '..', '%00', 'x'.repeat(300), '%E2%80%AE', '__proto__', 'constructor', '%2F'), fc.string({ maxLength: 12 }).map(encodeURIComponent));

function hostileRequests(routes: readonly string[]) {
  return fc.record({ route: fc.constantFrom(...routes), method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'), useRouteMethod: fc.boolean(), segment: hostileSegment, query: hostileQuery, body: hostileBody }).map(({ route, method, useRouteMethod, segment, query, body }) => {
    const [routeMethod, url] = route.split(' ') as [string, string];
    const filled = url.replace(/:[A-Za-z]+/g, segment).replace(/\*$/, 'v1/chat/completions');
    const finalMethod = useRouteMethod ? routeMethod : method;
    return { method: finalMethod, url: `${filled}${query}`, body: finalMethod === 'GET' ? undefined : body };
  });
}

async function fire(count: number, seed: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  // The engine-wide event stream never ends by design; its path is covered by route-access.test.ts.
  const routes = server.routes.filter((route) => route !== `GET ${ROUTES.events}`);
  // A `..` segment can resolve a run's path to that stream too (`/api/runs/../events`), so those are left out as well.
  const requests = fc.sample(hostileRequests(routes), { numRuns: count, seed }).filter((request) => new URL(request.url, 'http://engine').pathname !== ROUTES.events);
  await sendInBatches(requests, 20, async (request) => {
    const response = await server.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: { host, [TOKEN_HEADER]: TOKEN, ...(request.body ? { 'content-type': request.body.type } : {}) },
      payload: request.body?.body,
    });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const what = `${request.method} ${request.url.slice(0, 120)} ${request.body?.body.subarray(0, 120).toString('latin1') ?? ''}`;
    if (response.statusCode >= 500) failures.push(`${what} → ${response.statusCode} ${response.body.slice(0, 200)}`);
    if (response.statusCode >= 400 && !isEngineError(response.body)) failures.push(`${what} → not the engine's error shape: ${response.body.slice(0, 200)}`);
  });
  expect(failures).toEqual([]);
  return statuses;
}

function isEngineError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

it('answers 500 hostile requests with no 5xx, each error in the engine shape, and stays up with flat memory', async () => {
  const { result: statuses, growthBytes } = await heapGrowthAcross(() => fire(100, 7), () => fire(400, 8));
  expect([...statuses.keys()].filter((status) => status >= 400).length).toBeGreaterThanOrEqual(4);
  expect(growthBytes).toBeLessThan(8 * 1024 * 1024);
  const health = await server.app.inject({ method: 'GET', url: '/api/health', headers: { host, [TOKEN_HEADER]: TOKEN } });
  expect(health.statusCode).toBe(200);
});

it('names the problem for the bodies that used to crash or slip through', async () => {
  const send = (payload: Buffer | string) => server.app.inject({ method: 'POST', url: '/api/validate', headers: { host, [TOKEN_HEADER]: TOKEN, 'content-type': 'application/json' }, payload });
  const deep = await send(`{"pipeline":${nested(5_000, '[', ']')}}`);
  expect([deep.statusCode, deep.json().error.message]).toEqual([400, expect.stringContaining('nested more than 64 levels')]);
  const badUtf8 = await send(Buffer.concat([Buffer.from('{"pipeline":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
  expect([badUtf8.statusCode, badUtf8.json().error.message]).toEqual([400, expect.stringContaining('not valid UTF-8')]);
  const poisoned = await send('{"pipeline":{"__proto__":{"x":1}}}');
  expect([poisoned.statusCode, poisoned.json().error.message]).toEqual([400, expect.stringContaining('"pipeline.__proto__" is not allowed')]);
});
