// The OpenAI-compatible HTTP server an api-endpoint runs: Fastify, separate from the engine's own server, serving
// /v1/models, /v1/completions, /v1/chat/completions, /health and /metrics over one or more deployments, and vLLM's
// tokenizer routes (tokenizer-routes.ts).
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { lazyRequire } from '../lazy-require.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { authenticateCaller, checkModelScope, mayUseModel, type AuthMode } from './caller-auth.ts';
import { answerPreflight, applyCors } from './cors-policy.ts';
import type { Deployment } from './deployment.ts';
import { RequestAbandoned } from './generation-handler.ts';
import { routeGeneration } from './gateway/route-generation.ts';
import { registerTokenizerRoutes } from './tokenizer-routes.ts';
import { UpstreamPools } from './gateway/upstream-pools.ts';
import { answerClientError, answerFrameworkError, MAX_PATH_PARAMETER, sendOpenAiError, toOpenAiError, urlTooLong, type ErrorReplyContext } from './error-replies.ts';
import { modelNotFound, OpenAiError, serverClosing } from './openai-error.ts';
import { BudgetHolds } from './budget-check.ts';
import { RateLimiter, type RateLimits } from './rate-limiter.ts';
import { recordFinishedRequest } from './record-request.ts';
import { bodyLimitsFor, refuseDeclaredOversize, registerJsonBodyParser } from './request-body.ts';
import { newTrace, type RequestTrace } from './request-trace.ts';
import type { ServerContext } from './server-context.ts';
import { ServingMetrics } from './serving-metrics.ts';
import type { ServingStore } from './store/serving-store.ts';

const fastify = lazyRequire<typeof import('fastify').default>('fastify');

export type ApiEndpointConfigInput = z.input<typeof apiEndpointConfig>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
/** How long close() waits for aborted generations to end their responses. */
const CLOSE_DRAIN_MS = 2_000;
/** How long close() keeps trying to write queued usage rows to a store that does not take them (PostgreSQL away). */
export const CLOSE_WRITE_RETRY_MS = 10_000;

export interface OpenAiServerOptions {
  /** The api-endpoint node's config; defaults fill what is left out. */
  config?: ApiEndpointConfigInput;
  deployments: Deployment[];
  /** API keys and the usage log. Required for auth "keys"; null keeps no log and enforces no budgets. */
  store: ServingStore | null;
  /** Rate-limit windows shared with other gateways (Redis); by default this process keeps its own. */
  limits?: RateLimits;
  /** Longest a request may take, queueing included. */
  requestTimeoutMs?: number;
  /** How often an idle stream gets a `: ping` comment. */
  pingIntervalMs?: number;
  /** Retry hint on a 429 for too many concurrent requests. */
  concurrencyRetryAfterMs?: number;
  /** Clock for rate-limit windows, budgets and key expiry (tests move it). */
  now?: () => number;
  /** Where upstreams' apiKeyEnv variables are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Upstreams going down and coming back; onWarning by default. */
  log?: (line: string) => void;
  onWarning?: (message: string) => void;
  onError?: (error: unknown) => void;
}

export interface OpenAiServer {
  app: FastifyInstance;
  metrics: ServingMetrics;
  /** The upstreams and their pools; null when the config lists none. */
  gateway: UpstreamPools | null;
  /** Probes the upstreams once (so their models are known), then listens. */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Ends streams in progress with an error, stops listening and writes the queued usage rows (retrying for
   * CLOSE_WRITE_RETRY_MS); rejects with an UnwrittenUsageError, saying how many rows are lost, if it could not.
   */
  close(): Promise<void>;
}

export function createOpenAiServer(options: OpenAiServerOptions): OpenAiServer {
  const config = apiEndpointConfig.parse(options.config ?? {});
  const auth = authModeFor(config, options);
  const deployments = new Map<string, Deployment>();
  for (const deployment of options.deployments) {
    if (deployments.has(deployment.model)) throw new Error(`api-endpoint: two deployments are named "${deployment.model}"; give each deploy node its own name.`);
    deployments.set(deployment.model, deployment);
  }
  const traces = new WeakMap<FastifyRequest, RequestTrace>();
  const metrics = new ServingMetrics(() => [...deployments.values()].map((d) => ({ model: d.model, queued: d.queued, running: d.running, scaling: d.scaling?.(), speculation: d.speculation?.() ?? null })));
  const now = options.now ?? Date.now;
  const bodyLimits = bodyLimitsFor(config.maxBodyBytes);
  const gateway =
    config.upstreams.length === 0
      ? null
      : new UpstreamPools({ upstreams: config.upstreams, routing: config.routing, env: options.env, registry: metrics.registry, log: options.log ?? options.onWarning });
  let closing = false;
  const context: ServerContext = {
    deployments,
    gateway,
    auth,
    defaultLimits: config.rateLimit,
    limiter: options.limits ?? new RateLimiter({ now, concurrencyRetryAfterMs: options.concurrencyRetryAfterMs }),
    usage: options.store?.requests ?? null,
    budgetHolds: new BudgetHolds(),
    pricing: config.pricing,
    metrics,
    requestTimeoutMs: options.requestTimeoutMs ?? 10 * 60_000,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
    now,
    inFlight: new Set(),
    traceOf: (request) => traces.get(request) ?? newTrace(request.id),
    onError: options.onError ?? ((error) => console.error('api-endpoint: unexpected error', error)),
  };
  const errorReplies: ErrorReplyContext = { limits: bodyLimits, onError: context.onError };
  const app = fastify()({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER },
    // Fastify's own 503 while closing is not OpenAI-shaped; the onRequest hook answers instead.
    return503OnClosing: false,
    // Idle keep-alive sockets would otherwise hold close() open; streams are drained first (see close()).
    forceCloseConnections: true,
    genReqId: () => `req_${randomBytes(12).toString('hex')}`,
    frameworkErrors: (error, request, reply) => answerFrameworkError(error, request, reply, errorReplies),
    clientErrorHandler: answerClientError,
  });
  registerJsonBodyParser(app, bodyLimits);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const trace = newTrace(request.id, now());
    traces.set(request, trace);
    reply.raw.once('close', () => recordFinishedRequest(request, reply, trace, context));
    if (closing) throw serverClosing();
    applyCors(request, reply, config.cors);
    refuseDeclaredOversize(request, bodyLimits);
  });
  registerRoutes(app, context);
  app.setNotFoundHandler(async (request) => {
    throw new OpenAiError(404, 'unknown_url', `Invalid URL (${request.method} ${request.url.split('?')[0]!.slice(0, 200)}).`);
  });
  app.setErrorHandler(async (error: FastifyError | OpenAiError, request, reply) => {
    const failure = toOpenAiError(error, errorReplies);
    // The usage row says why a refused request failed (a 429 names its limit, a 503 its missing server); a code set
    // earlier on the way (a stream's) is the more precise one.
    const trace = traces.get(request);
    if (trace) trace.errorCode ??= failure.code;
    return sendOpenAiError(reply, failure, errorReplies);
  });

  return {
    app,
    metrics,
    gateway,
    async listen() {
      await gateway?.start();
      try {
        await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        // A port taken: the gateway's health probes started above must not go on for a server that never listened.
        await gateway?.stop();
        throw error;
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return { url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`, port };
    },
    async close() {
      closing = true;
      for (const controller of context.inFlight) controller.abort(new RequestAbandoned('server_closing'));
      // Let aborted streams write their error record before connections are cut.
      const drainDeadline = Date.now() + CLOSE_DRAIN_MS;
      while (context.inFlight.size > 0 && Date.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        await app.close();
        await gateway?.stop();
      } finally {
        // Every answered request's row, even when the store is away for a moment; rejects saying how many were lost.
        await options.store?.requests.drain(CLOSE_WRITE_RETRY_MS);
      }
    },
  };
}

function authModeFor(config: z.output<typeof apiEndpointConfig>, options: OpenAiServerOptions): AuthMode {
  if (config.auth === 'none') {
    if (!LOOPBACK_HOSTS.has(config.host)) {
      throw new Error(`api-endpoint: auth "none" is only allowed on a loopback host (127.0.0.1, localhost, ::1), not "${config.host}"; use auth "keys".`);
    }
    (options.onWarning ?? console.warn)(`api-endpoint on ${config.host}: auth is "none" — any local program can call this API, with any bearer value.`);
    return { mode: 'none' };
  }
  if (!options.store) throw new Error('api-endpoint: auth "keys" needs the serving store for its API keys; pass `store`.');
  return { mode: 'keys', keys: options.store.keys };
}

function registerRoutes(app: FastifyInstance, context: ServerContext): void {
  app.options('*', async (request, reply) => answerPreflight(request, reply));
  app.get('/health', async (_request, reply) => {
    // A crashed worker waiting to restart is "restarting", not "failed": it comes back by itself.
    const stateOf = (d: Deployment) => ((d.generator.restartInMs?.() ?? null) !== null ? 'restarting' : d.generator.health());
    const models = Object.fromEntries([...context.deployments.values()].map((d) => [d.model, stateOf(d)]));
    const states: string[] = Object.values(models);
    if (context.gateway) {
      const health = poolsHealth(context.gateway, context.deployments, models);
      return reply.code(health.status === 'unavailable' ? 503 : 200).send(health);
    }
    const status = states.length === 0 ? 'no_deployments' : (['failed', 'restarting', 'loading'].find((state) => states.includes(state)) ?? 'ok');
    return reply.code(status === 'ok' ? 200 : 503).send({ status, models });
  });
  app.get('/metrics', async (_request, reply) => reply.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics()));
  app.get('/v1/models', async (request) => {
    const caller = await authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, new Date(context.now()));
    const local = [...context.deployments.values()].map(modelObject);
    const remote = (context.gateway?.models() ?? []).filter((model) => !context.deployments.has(model)).map(upstreamModelObject);
    return { object: 'list', data: [...local, ...remote].filter((entry) => mayUseModel(caller, entry.id)) };
  });
  // The rest of the path is the id: hub ids hold a slash (meta-llama/Llama-3.1-8B-Instruct), which clients send as is.
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => {
    const caller = await authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, new Date(context.now()));
    const model = request.params['*'];
    if (model.length > MAX_PATH_PARAMETER) throw urlTooLong();
    const deployment = context.deployments.get(model);
    if (!deployment && !context.gateway?.serves(model)) throw modelNotFound(model);
    checkModelScope(caller, model);
    return deployment ? modelObject(deployment) : upstreamModelObject(model);
  });
  app.post('/v1/chat/completions', async (request, reply) => routeGeneration('chat', request, reply, context));
  app.post('/v1/completions', async (request, reply) => routeGeneration('completion', request, reply, context));
  registerTokenizerRoutes(app, context);
}

/**
 * With upstreams, /health reports each pool: 200 while every pool has a member that can serve ("ok", or "degraded"
 * when some member is down), so a load balancer keeps sending; 503 "unavailable" when some pool has none.
 */
function poolsHealth(gateway: UpstreamPools, deployments: ReadonlyMap<string, Deployment>, models: Record<string, string>) {
  const pools = gateway.poolStates(deployments);
  const statuses = Object.values(pools).map((pool) => pool.status);
  const status = statuses.includes('down') ? 'unavailable' : statuses.includes('degraded') ? 'degraded' : 'ok';
  return { status, models, pools };
}

function upstreamModelObject(model: string) {
  return { id: model, object: 'model', created: STARTED_AT_S, owned_by: 'upstream' };
}

const STARTED_AT_S = Math.floor(Date.now() / 1000);

function modelObject(deployment: Deployment) {
  return { id: deployment.model, object: 'model', created: STARTED_AT_S, owned_by: 'crucible', context_length: deployment.contextLength };
}
