// Once a response is over (sent, failed, or abandoned by the client): one usage-log row for /v1 requests (never for
// CORS pre-flights), with its cost from the endpoint's pricing, and the request, token and latency metrics.
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestTrace } from './request-trace.ts';
import { costOf, type ServerContext } from './server-context.ts';

/** Nginx's code for "the client closed the connection first"; written to the log, never sent. */
const CLIENT_CLOSED_STATUS = 499;

export function recordFinishedRequest(request: FastifyRequest, reply: FastifyReply, trace: RequestTrace, context: ServerContext): void {
  try {
    recordRow(request, reply, trace, context);
  } finally {
    // After the row is queued: a budget check reads queued rows, so at every moment the cost counts in one of the two.
    trace.releaseBudgetHold();
  }
}

function recordRow(request: FastifyRequest, reply: FastifyReply, trace: RequestTrace, context: ServerContext): void {
  const status = reply.raw.writableFinished ? reply.raw.statusCode : CLIENT_CLOSED_STATUS;
  const endMs = performance.now();
  context.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(status) });
  const promptTokens = trace.generationStarted ? trace.promptTokens : 0;
  if (trace.generationStarted && trace.model) recordGenerationMetrics(trace, endMs, context);
  // Which route matched, never the raw URL: a request line may name the whole URL (`POST http://host/v1/completions`),
  // which the router serves as /v1/completions, and a check on the raw text let such requests go unlogged and unbilled.
  const route = request.routeOptions.url;
  // A browser's CORS pre-flight (OPTIONS) asks permission for a request; it is not one, and carries no key.
  if (!context.usage || route === undefined || !route.startsWith('/v1/') || request.method === 'OPTIONS') return;
  // With keys, a row is the usage of a key. A request whose key was not established — refused (401), not checked
  // because the store was away (503) or because the request failed before (a bad body) — is not logged (metrics
  // count it): anyone could otherwise grow the log, and the queue of rows waiting out a store outage, without limit.
  if (context.auth.mode === 'keys' && trace.keyId === null) return;
  const { pricing } = context;
  const cost = costOf(pricing, promptTokens, trace.completionTokens);
  if (trace.keyId !== null) context.limiter.addSpend(trace.keyId, cost, new Date(trace.at));
  context.usage.record({
    requestId: trace.requestId,
    keyId: trace.keyId,
    model: trace.model,
    endpoint: route.slice(0, 200),
    status,
    errorCode: status === CLIENT_CLOSED_STATUS ? 'client_closed' : trace.errorCode,
    promptTokens,
    completionTokens: trace.completionTokens,
    cost,
    currency: pricing.currency,
    latencyMs: endMs - trace.startedMs,
    ttftMs: trace.firstTokenMs === null ? null : trace.firstTokenMs - trace.startedMs,
    at: trace.at,
    estimated: trace.usageEstimated,
  });
}

function recordGenerationMetrics(trace: RequestTrace, endMs: number, context: ServerContext): void {
  const labels = { model: trace.model! };
  const { metrics } = context;
  metrics.promptTokens.inc(labels, trace.promptTokens);
  metrics.generatedTokens.inc(labels, trace.completionTokens);
  metrics.endToEndLatency.observe(labels, (endMs - trace.startedMs) / 1000);
  if (trace.firstTokenMs !== null) metrics.timeToFirstToken.observe(labels, (trace.firstTokenMs - trace.startedMs) / 1000);
  if (trace.firstTokenMs !== null && trace.lastTokenMs !== null && trace.completionTokens > 1) {
    metrics.timePerOutputToken.observe(labels, (trace.lastTokenMs - trace.firstTokenMs) / 1000 / (trace.completionTokens - 1));
  }
}
