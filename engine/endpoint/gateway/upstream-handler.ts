// POST /v1/completions and /v1/chat/completions for a model served by upstreams: the same key, scope, budget and
// rate-limit checks as a local model, then the request goes to the pool's least loaded member, and on to another
// (at most routing.maxRetries more) while nothing has reached the client yet.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { admitWithinBudget } from '../budget-check.ts';
import { authenticateCaller, checkModelScope } from '../caller-auth.ts';
import { asOpenAiError, RequestAbandoned, watchRequest } from '../generation-handler.ts';
import { invalidRequest, modelNotFound, OpenAiError } from '../openai-error.ts';
import type { EndpointKind } from '../response-shapes.ts';
import { costOf, type ServerContext } from '../server-context.ts';
import { attemptOnMember, type AttemptContext, type UpstreamRequest } from './upstream-attempt.ts';
import type { UpstreamMember } from './upstream-member.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { TokenCounter } from './usage-count.ts';

export async function handleUpstreamGeneration(kind: EndpointKind, request: FastifyRequest, reply: FastifyReply, context: ServerContext, pools: UpstreamPools): Promise<unknown> {
  const trace = context.traceOf(request);
  const now = new Date(context.now());
  const caller = await authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, now);
  trace.keyId = caller.key?.id ?? null;
  const body = requestObject(request.body);
  const model = body.model as string;
  trace.model = model;
  if (!pools.serves(model)) throw modelNotFound(model);
  checkModelScope(caller, model);
  const counter = new TokenCounter(context.deployments.get(model) ?? null);
  trace.promptTokens = counter.countPrompt(kind, body);
  trace.usageEstimated = true;
  trace.releaseBudgetHold = await admitWithinBudget(context, caller, now, costOf(context.pricing, trace.promptTokens, maxTokensOf(body)));
  const verdict = await context.limiter.acquire(caller.bucket, caller.label, caller.limits, trace.promptTokens + maxTokensOf(body));
  if (!verdict.ok) {
    context.metrics.rateLimitRejections.inc({ reason: verdict.reason });
    throw verdict.error;
  }
  reply.headers(verdict.grant.headers);
  const stream = body.stream === true;
  const upstreamRequest: UpstreamRequest = { kind, model, body, stream, clientWantsUsage: stream && includeUsageAsked(body), requestId: request.id };

  const watch = watchRequest(reply, context);
  const attemptContext: AttemptContext = {
    reply,
    signal: watch.controller.signal,
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
    watch.stop();
    if (trace.generationStarted) verdict.grant.settle(trace.promptTokens + trace.completionTokens);
    else verdict.grant.refund();
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
