// Every route the engine serves, spelled every way a router or file system might normalise, without the token or
// from a foreign Host or Origin: none may answer with anything but 401, 403 or 404 (400 for a URL that is not
// one). The route list comes from the running server, so a route added later is covered without editing this.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES, ROUTES, TOKEN_HEADER } from '../../app/protocol/engine-api.ts';
import type { EngineServer } from './engine-server.ts';
import { inApiNamespace, normalisedPath } from './route-access.ts';
import { openApiHarness, type ApiHarness } from './testing/api-harness.ts';
import { rawRequest, type RawResponse } from './testing/raw-http.ts';

const TOKEN = 'route-access-token';
let api: ApiHarness;
let server: EngineServer;
let port: number;
let staticDir: string;

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-route-access-ui-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("studio")');
  api = await openApiHarness('route-access', { token: TOKEN, port: 0, staticDir });
  server = api.server;
  port = (await server.listen()).port;
});
afterAll(async () => {
  await api.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

/** A concrete path for a route pattern: each `:param` and `*` filled with a plausible value. */
function concretePath(route: string): string {
  return route.replace(/:[A-Za-z]+/g, 'item-1').replace(/\*$/, 'v1/models');
}

/** Spellings of one path that a router, proxy or file system could read as the same route. */
export function spellings(routePath: string): string[] {
  const segments = routePath.split('/').filter(Boolean);
  const encodeLetter = (text: string, upperHex: boolean) => text.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)[upperHex ? 'toUpperCase' : 'toLowerCase']()}`);
  const encodeAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const last = segments.length - 1;
  return [
    routePath,
    join(segments.map((s) => encodeLetter(s, false))),
    join(segments.map((s) => encodeLetter(s, true))),
    join([encodeAll(segments[0]!), ...segments.slice(1)]),
    `/${segments.join('%2F')}`,
    `/${segments.join('%2f')}`,
    join(segments.map((s) => encodeLetter(s, false).replace('%', '%25'))),
    join(segments.map((s) => encodeLetter(s, false).replace('%', '%2525'))),
    routePath.toUpperCase(),
    join(segments.map((s) => s[0]!.toUpperCase() + s.slice(1))),
    `/${segments.join('//')}`,
    `//${segments.join('/')}`,
    `${routePath}/`,
    `${routePath}//`,
    join(segments.flatMap((s) => ['.', s])),
    `/x/..${routePath}`,
    `/x/%2e%2e${routePath}`,
    `/x/%2E%2E/${segments.join('/')}`,
    join([...segments, '..', segments[last]!]),
    `/${segments.join('\\')}`,
    `${routePath}?token=${TOKEN}`,
    `${routePath}?`,
    `${routePath}#fragment`,
    `${routePath}%00`,
    `${routePath}%2500`,
    `${routePath};x=1`,
    join([`${segments[0]};x`, ...segments.slice(1)]),
    `${routePath}%20`,
    `${routePath}%0a`,
  ];
}

const ALLOWED_WITHOUT_TOKEN = new Set([400, 401, 403, 404]);

describe('route access', () => {
  it('knows every route the server registered, and protects all but the public ones', () => {
    const known = new Set<string>(Object.values(ROUTES));
    const unlisted = server.routes.map((route) => route.split(' ')[1]!).filter((url) => !known.has(url.replace(/\/\*$/, '')));
    expect(unlisted).toEqual([]);
    expect(server.routes.length).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
    expect([...PUBLIC_ROUTES]).toEqual([ROUTES.session]);
  });

  it('answers no spelling of a protected route without the token', async () => {
    const leaks: string[] = [];
    let reachedWithToken = 0;
    for (const route of server.routes) {
      const [method, url] = route.split(' ') as [string, string];
      if (PUBLIC_ROUTES.has(url)) continue;
      const body = method === 'GET' ? undefined : '{}';
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      for (const target of spellings(concretePath(url))) {
        // An answer that has not ended in 10 s is taken for an event stream (which never ends); a loaded machine can
        // take a few seconds over an ordinary one.
        const bare = await rawRequest(port, { method, target, headers, body }, 10_000).catch(() => null);
        if (!bare) {
          leaks.push(`${method} ${target} → an answer that never ended (an event stream)`);
          continue;
        }
        if (!ALLOWED_WITHOUT_TOKEN.has(bare.status)) leaks.push(`${method} ${target} → ${bare.status} ${bare.body.slice(0, 80)}`);
        expectEngineError(bare);
      }
      // The test reaches the routes: with the token, the route as written and its encoded spelling get past the guard.
      for (const target of [concretePath(url), spellings(concretePath(url))[1]!]) {
        const withToken = await rawRequest(port, { method, target, headers: { ...headers, [TOKEN_HEADER]: TOKEN }, body, headersOnly: true });
        if (withToken.status !== 401) reachedWithToken++;
      }
    }
    expect(leaks).toEqual([]);
    expect(reachedWithToken).toBe(2 * server.routes.filter((route) => !PUBLIC_ROUTES.has(route.split(' ')[1]!)).length);
  });

  it('refuses every spelling from a foreign Host or Origin, even with the token', async () => {
    const leaks: string[] = [];
    for (const route of server.routes) {
      const [method, url] = route.split(' ') as [string, string];
      for (const target of spellings(concretePath(url))) {
        for (const foreign of [{ host: 'evil.example:80' } as Record<string, string>, { host: `localhost.evil.example:${port}` }, { origin: 'https://evil.example' }, { origin: 'null' }]) {
          const response = await rawRequest(port, { method, target, headers: { [TOKEN_HEADER]: TOKEN, ...foreign } });
          if (![400, 403].includes(response.status)) leaks.push(`${method} ${target} ${JSON.stringify(foreign)} → ${response.status}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('serves the studio page without the token, but nothing of the API namespace as a page', async () => {
    expect((await rawRequest(port, { method: 'GET', target: '/' })).body).toContain('<title>studio</title>');
    expect((await rawRequest(port, { method: 'GET', target: '/runs/some-run' })).status).toBe(200);
    for (const target of ['/%2561pi/keys', '/API/keys', '/x/../api/keys', '/api%2Fkeys', '/api;x/keys', '/apikeys', `http://127.0.0.1:${port}/api/no-such-route`, 'HTTP://x/API/keys']) {
      const response = await rawRequest(port, { method: 'GET', target });
      expect([target, response.status]).toEqual([target, 404]);
      expectEngineError(response);
    }
  });

  it('serves a static file the same by its path or by a request line naming the whole URL', async () => {
    for (const target of ['/assets/app.js', `http://127.0.0.1:${port}/assets/app.js`]) {
      const response = await rawRequest(port, { method: 'GET', target });
      expect([target, response.status, response.body]).toEqual([target, 200, 'console.log("studio")']);
    }
  });

  it('serves the studio page from a static folder given as a relative path (as --static-dir may be)', async () => {
    const relative = await openApiHarness('route-access-relative', { token: TOKEN, port: 0, staticDir: path.relative(process.cwd(), staticDir) });
    try {
      const { port: relativePort } = await relative.server.listen();
      expect((await rawRequest(relativePort, { method: 'GET', target: '/' })).body).toContain('<title>studio</title>');
      expect((await rawRequest(relativePort, { method: 'GET', target: '/%2e%2e/%2e%2e/etc/passwd' })).status).toBe(404);
    } finally {
      await relative.close();
    }
  });

  it('answers a malformed percent-encoding in the engine error shape', async () => {
    const response = await rawRequest(port, { method: 'GET', target: '/%zz' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'invalid_url', message: expect.stringContaining('%25') } });
  });
});

describe('normalisedPath', () => {
  it('decodes repeatedly, lower-cases, and resolves slashes, dot segments, parameters and NULs', () => {
    expect(normalisedPath('/%2561PI//keys/./x/../%2e%2e/runs;y?z#w')).toBe('/api/runs');
    expect(normalisedPath('/x\\..\\api\\keys%00.js')).toBe('/api/keys');
    expect(normalisedPath('/%zz/ok')).toBe('/%zz/ok');
    expect(inApiNamespace('/%2561pi')).toBe(true);
    expect(inApiNamespace('/assets/api.js')).toBe(false);
    // A request line may carry the whole URL; the router serves its path.
    expect(normalisedPath('http://127.0.0.1:4000/API/keys?x')).toBe('/api/keys');
    expect(inApiNamespace('https://host/api')).toBe(true);
  });
});

function expectEngineError(response: RawResponse): void {
  if (response.status < 400) return;
  const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
}
