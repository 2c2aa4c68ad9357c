// The engine's HTTP server: Fastify on 127.0.0.1, every API request guarded by the per-launch token, Host and
// Origin checks, bodies validated with zod and size-limited, errors as JSON, and no request able to crash it.
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { lazyRequire } from '../lazy-require.ts';
import { parseBoundedJson } from '../../app/pipeline/bounded-json.ts';
import { ROUTES, sessionRequestSchema } from '../../app/protocol/engine-api.ts';
import type { Engine } from '../engine.ts';
import { HttpError, parseOrThrow, sendError } from './api-error.ts';
import { checkHostAndOrigin, checkToken, type GuardOptions } from './request-guard.ts';
import { inApiNamespace, needsToken, originForm } from './route-access.ts';
import { registerCatalogueRoutes } from './routes/catalogue-routes.ts';
import { registerEventRoutes } from './routes/event-routes.ts';
import { registerOpenAiProxyRoutes } from './routes/openai-proxy-routes.ts';
import { registerPreviewRoutes } from './routes/preview-routes.ts';
import { registerResourceRoutes } from './routes/resource-routes.ts';
import { registerRunRoutes } from './routes/run-routes.ts';
import { registerServingRoutes } from './routes/serving-routes.ts';
import { SessionCodes } from './session-codes.ts';
import type { SseStream } from './sse-stream.ts';
import { sendStaticFile } from './static-files.ts';

const fastify = lazyRequire<typeof import('fastify').default>('fastify');

export interface EngineServerOptions {
  engine: Engine;
  /** Per-launch secret; generated when omitted. */
  token?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folder of the renderer's build, served at / for browsers. */
  staticDir?: string | null;
  /** Origins besides the server's own that may call the API (the desktop shell's). */
  allowedOrigins?: string[];
  version?: string;
  bodyLimitBytes?: number;
  /** Where unexpected errors are reported (the engine's log); stderr by default. */
  onError?: (error: unknown) => void;
}

export interface EngineServer {
  app: FastifyInstance;
  token: string;
  sessionCodes: SessionCodes;
  /** Resolves with the URL once listening. */
  /** Every route registered, as `METHOD path` (the route × encoding test walks them). */
  routes: readonly string[];
  listen(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export function createEngineServer(options: EngineServerOptions): EngineServer {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const app = fastify()({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 8 * 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // A URL whose percent-encoding is broken (`/%zz`) matches nothing; answer in the API's own error shape.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') return sendError(reply, 400, 'invalid_url', `the URL's percent-encoding is malformed; write a literal "%" as %25`);
      return sendError(reply, 400, 'invalid_request', error.message);
    },
  });
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  const streams = new Set<SseStream>();
  const sessionCodes = new SessionCodes();
  let port = options.port ?? 0;
  const guard: GuardOptions = { token, port: () => port, allowedOrigins: options.allowedOrigins ?? [] };

  app.addHook('onRequest', async (request, reply) => {
    const verdict = checkHostAndOrigin(request.headers, guard);
    if (!verdict.ok) return sendError(reply, verdict.status, verdict.code, verdict.message);
    if (!needsToken(request)) return;
    const tokenVerdict = checkToken(request.headers, guard);
    if (!tokenVerdict.ok) return sendError(reply, tokenVerdict.status, tokenVerdict.code, tokenVerdict.message);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
    return payload;
  });

  // Strict UTF-8 and bounded nesting for every JSON body (the relay passes its bodies through untouched).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const parsed = parseBoundedJson(body as Buffer);
    if (parsed.ok) done(null, parsed.value);
    else done(new HttpError(400, 'invalid_request', `invalid JSON body: ${parsed.failure.message}`));
  });

  app.post(ROUTES.session, async (request) => {
    const { code } = parseOrThrow(sessionRequestSchema, request.body, 'request body');
    if (!sessionCodes.redeem(code)) throw new HttpError(401, 'invalid_session_code', 'this link was already used or has expired; run "crucible studio" again for a new one');
    return { token };
  });
  registerCatalogueRoutes(app, options.engine, options.version ?? '0.0.0');
  registerRunRoutes(app, options.engine);
  registerResourceRoutes(app, options.engine);
  registerPreviewRoutes(app, options.engine);
  registerEventRoutes(app, options.engine, streams);
  registerServingRoutes(app, options.engine);
  registerOpenAiProxyRoutes(app, options.engine);

  app.setNotFoundHandler(async (request, reply) => {
    if (request.method === 'GET' && options.staticDir && !inApiNamespace(request.url)) {
      if (await sendStaticFile(reply, options.staticDir, originForm(request.url))) return reply;
    }
    return sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  app.setErrorHandler(async (error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error.statusCode, error.code, error.message, error.problems);
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) (options.onError ?? ((e) => console.error('engine: unexpected error on', request.method, request.url, e)))(error);
    const code = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : status === 500 ? 'internal_error' : 'invalid_request';
    const message = status === 500 ? 'the engine hit an unexpected error; see its log' : error.message;
    return sendError(reply, status, code, message);
  });

  return {
    app,
    token,
    sessionCodes,
    routes,
    async listen() {
      const host = options.host ?? '127.0.0.1';
      await app.listen({ host, port });
      const address = app.server.address();
      port = typeof address === 'object' && address ? address.port : port;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
    },
    async close() {
      for (const stream of [...streams]) stream.close();
      await app.close();
    },
  };
}
