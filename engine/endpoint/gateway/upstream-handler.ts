// POST /v1/completions and /v1/chat/completions for a model served by upstreams: the same key, scope, budget and
// rate-limit checks as a local model, then the request goes to the pool's least loaded member, and on to another
// (at most routing.maxRetries more) while nothing has reached the client yet.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { admitWithinBudget } from '../budget-check.ts';
import { authenticateCaller, checkModelScope } from '../caller-auth.ts';
import { asOpenAiError, refundGranted, RequestAbandoned, unlessAbandoned, watchRequest } from '../generation-handler.ts';
import { invalidRequest, modelNotFound, OpenAiError } from '../openai-error.ts';
import type { RateLimitGrant } from '../rate-limiter.ts';
import type { EndpointKind } from '../response-shapes.ts';
import { costOf, type ServerContext } from '../server-context.ts';
import { attemptOnMember, type AttemptContext, type UpstreamRequest } from './upstream-attempt.ts';
import type { UpstreamMember } from './upstream-member.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { TokenCounter } from './usage-count.ts';

export async function handleUpstreamGeneration(kind: EndpointKind, request: FastifyRequest, reply: FastifyReply, context: ServerContext, pools: UpstreamPools): Promise<unknown> {
  // Watched from the start, so a client that leaves, or the request timeout, also ends a request still in admission.
  const watch = watchRequest(reply, context);
  try {
    const admitted = await admit(kind, request, context, pools, watch.controller.signal);
    return await forward(admitted, request, reply, context, pools, watch.controller.signal);
  } catch (error) {
    throw error instanceof RequestAbandoned ? asOpenAiError(error, context) : error;
  } finally {
    watch.stop();
  }
}

interface Admitted {
  kind: EndpointKind;
  body: Record<string, unknown>;
  model: string;
  counter: TokenCounter;
  grant: RateLimitGrant;
}

/** The same checks as for a local model: key, model, scope, budget and rate limits (with an estimated prompt). */
async function admit(kind: EndpointKind, request: FastifyRequest, context: ServerContext, pools: UpstreamPools, signal: AbortSignal): Promise<Admitted> {
  const trace = context.traceOf(request);
  const now = new Date(context.now());
  const caller = await unlessAbandoned(authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, now), signal);
  trace.keyId = caller.key?.id ?? null;
  const body = requestObject(request.body);
  const model = body.model as string;
  trace.model = model;
  if (!pools.serves(model)) throw modelNotFound(model);
  checkModelScope(caller, model);
  const counter = new TokenCounter(context.deployments.get(model) ?? null);
  trace.promptTokens = counter.countPrompt(kind, body);
  trace.usageEstimated = true;
  const worstCase = costOf(context.pricing, trace.promptTokens, maxTokensOf(body));
  trace.releaseBudgetHold = await unlessAbandoned(admitWithinBudget(context, caller, now, worstCase), signal, (release) => release());
  const verdict = await unlessAbandoned(context.limiter.acquire(caller.bucket, caller.label, caller.limits, trace.promptTokens + maxTokensOf(body)), signal, refundGranted);
  if (!verdict.ok) {
    context.metrics.rateLimitRejections.inc({ reason: verdict.reason });
    throw verdict.error;
  }
  return { kind, body, model, counter, grant: verdict.grant };
}

/** Sends an admitted request to the pool, failing over while nothing has reached the client; settles its grant. */
async function forward(admitted: Admitted, request: FastifyRequest, reply: FastifyReply, context: ServerContext, pools: UpstreamPools, signal: AbortSignal): Promise<unknown> {
  const { kind, body, model, counter, grant } = admitted;
  const trace = context.traceOf(request);
  reply.headers(grant.headers);
  const stream = body.stream === true;
  const upstreamRequest: UpstreamRequest = { kind, model, body, stream, clientWantsUsage: stream && includeUsageAsked(body), requestId: request.id };
  const attemptContext: AttemptContext = {
    reply,
    signal,
    trace,
    counter,
    pools,
    abandonedError: (reason) => (reason instanceof RequestAbandoned && reason.why === 'client_closed' ? null : asOpenAiError(reason, context)),
  };
  try {
    return await withFailover(upstreamRequest, attemptContext, pools);
  } catch (error) {
    const failure = asOpenAiError(error, context);
    if (!reply.raw.headersSent) throw failure;
    // A stream already started: its end is the only way left to say it failed.
    if (!reply.raw.writableEnded) reply.raw.end(`data: ${JSON.stringify(failure.toBody())}\n\n`);
    return reply;
  } finally {
    if (trace.generationStarted) grant.settle(trace.promptTokens + trace.completionTokens);
    else grant.refund();
  }
}

async function withFailover(request: UpstreamRequest, context: AttemptContext, pools: UpstreamPools): Promise<unknown> {
  const tried = new Set<UpstreamMember>();
  let lastFailure: OpenAiError | null = null;
  for (let attempt = 0; attempt <= pools.routing.maxRetries; attempt++) {
    context.signal.throwIfAborted();
    const member = pools.pick(request.model, tried);
    if (!member) break;
    tried.add(member);
    const outcome = await attemptOnMember(member, request, context);
    if (outcome.kind === 'answered') return outcome.payload ?? context.reply;
    lastFailure = outcome.error;
  }
  throw lastFailure ?? nothingAvailable(request.model, pools);
}

/** 503 when every member of the pool is down, throttled or at its cap, with a retry-after until one may take it. */
function nothingAvailable(model: string, pools: UpstreamPools): OpenAiError {
  const waitMs = Math.max(1_000, pools.nextAvailableAt(model) - Date.now());
  const members = pools.membersFor(model).map((member) => `${member.name}: ${member.health}${member.maxConcurrency > 0 && member.inFlight >= member.maxConcurrency ? ', at its concurrency cap' : ''}`);
  const message = `No upstream can take a request for \`${model}\` now (${members.join('; ')}). Retry after ${Math.ceil(waitMs / 1000)} s.`;
  return new OpenAiError(503, 'no_upstream_available', message, { retryAfterMs: waitMs });
}

/** The body as a JSON object naming a model; the upstream validates the rest, as it would for a direct call. */
function requestObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model.length === 0) throw invalidRequest("you must provide a model parameter ('model': a model id from GET /v1/models).", 'model');
  return record;
}

function includeUsageAsked(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return options !== null && typeof options === 'object' && options.include_usage === true;
}

/** What the request may generate, for the tokens-per-minute reservation; an upstream's default is unknown here. */
function maxTokensOf(body: Record<string, unknown>): number {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? Math.min(value, 1e9) : 0;
}
