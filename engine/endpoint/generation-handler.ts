// POST /v1/completions and /v1/chat/completions: authenticate, validate, check scope, context, budget and rate
// limits, wait for a batch slot, generate, and answer as one JSON response or an OpenAI-style SSE stream.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { admitWithinBudget } from './budget-check.ts';
import { completionChoices } from './completion-choices.ts';
import { authenticateCaller, checkModelScope, type Caller } from './caller-auth.ts';
import type { Deployment } from './deployment.ts';
import { GenerationOutput, type OutputDelta } from './generation-output.ts';
import type { GenerationRequest } from '../inference/text-generator.ts';
import { modelNotFound, OpenAiError, serverClosing } from './openai-error.ts';
import { prepareChat, prepareCompletion, type PreparedGeneration } from './prepare-generation.ts';
import type { RateLimitGrant, RateLimitVerdict } from './rate-limiter.ts';
import type { RequestTrace } from './request-trace.ts';
import { chatCompletionForm, completionForm, parseRequestBody } from './request-schemas.ts';
import { chunk, completionResponse, fullResponse, usageChunk, usageOf, type EndpointKind, type ResponseIdentity } from './response-shapes.ts';
import { costOf, type ServerContext } from './server-context.ts';
import { SseWriter, startEventStream } from './sse-writer.ts';

/** Why a request's generation was abandoned before it finished. */
export class RequestAbandoned extends Error {
  constructor(readonly why: 'client_closed' | 'timeout' | 'server_closing') {
    super(why);
  }
}

interface Admitted {
  caller: Caller;
  deployment: Deployment;
  prepared: PreparedGeneration;
}

export async function handleGeneration(kind: EndpointKind, request: FastifyRequest, reply: FastifyReply, context: ServerContext): Promise<unknown> {
  const trace = context.traceOf(request);
  // Watched from the start, so a client that leaves, or the request timeout, also ends a request still in admission.
  const watch = watchRequest(reply, context);
  const { signal } = watch.controller;
  try {
    const admitted = await unlessAbandoned(admit(kind, request, context, trace), signal, () => trace.releaseBudgetHold());
    const reserved = admitted.prepared.requests.reduce((sum, request) => sum + request.promptTokens.length + request.maxTokens, 0);
    const { caller } = admitted;
    const verdict = await unlessAbandoned(context.limiter.acquire(caller.bucket, caller.label, caller.limits, reserved), signal, refundGranted);
    if (!verdict.ok) {
      context.metrics.rateLimitRejections.inc({ reason: verdict.reason });
      throw verdict.error;
    }
    reply.headers(verdict.grant.headers);
    return await generateWithSlot(kind, admitted, watch.controller, verdict.grant, reply, context, trace);
  } catch (error) {
    throw error instanceof RequestAbandoned ? asOpenAiError(error, context) : error;
  } finally {
    watch.stop();
  }
}

/**
 * The abort controller of one request, from its start: aborted when the client leaves (or had left already), the
 * request times out or the server closes. `stop()` once the request is over.
 */
export function watchRequest(reply: FastifyReply, context: ServerContext): { controller: AbortController; stop(): void } {
  const controller = new AbortController();
  const abandonIfClientLeaves = () => {
    if (!reply.raw.writableFinished) controller.abort(new RequestAbandoned('client_closed'));
  };
  reply.raw.on('close', abandonIfClientLeaves);
  // A client gone before the handler ran: its 'close' has been emitted already.
  if (reply.raw.destroyed) abandonIfClientLeaves();
  const timeout = setTimeout(() => controller.abort(new RequestAbandoned('timeout')), context.requestTimeoutMs);
  context.inFlight.add(controller);
  return {
    controller,
    stop: () => {
      clearTimeout(timeout);
      context.inFlight.delete(controller);
      reply.raw.off('close', abandonIfClientLeaves);
    },
  };
}

/**
 * Waits for one step of admission (auth, the budget check, the rate limiter) unless the request is abandoned first:
 * then the abandonment is thrown at once, and whatever the step yields later goes to `discard` (a grant refunded, a
 * budget hold let go), so a request nobody waits for neither runs nor keeps what admission gave it.
 */
export async function unlessAbandoned<T>(step: Promise<T>, signal: AbortSignal, discard: (late: T) => void = () => undefined): Promise<T> {
  let onAbort: () => void = () => undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  let value: T;
  try {
    value = await Promise.race([step, abandoned]);
  } catch (error) {
    if (signal.aborted) step.then(discard, () => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) {
    discard(value);
    throw signal.reason;
  }
  return value;
}

/** A grant admission no longer needs (the request was abandoned meanwhile): it counts for nothing. */
export function refundGranted(verdict: RateLimitVerdict): void {
  if (verdict.ok) verdict.grant.refund();
}

/** Every check that needs no waiting, in OpenAI's order: auth, body, model, scope, context, budget. */
async function admit(kind: EndpointKind, request: FastifyRequest, context: ServerContext, trace: RequestTrace): Promise<Admitted> {
  const now = new Date(context.now());
  const caller = await authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, now);
  trace.keyId = caller.key?.id ?? null;
  trace.model = modelNamedIn(request.body);
  const body = kind === 'chat' ? parseRequestBody(chatCompletionForm, request.body) : parseRequestBody(completionForm, request.body);
  if (body instanceof OpenAiError) throw body;
  const deployment = context.deployments.get(body.model);
  if (!deployment) throw modelNotFound(body.model);
  checkModelScope(caller, body.model);
  deployment.checkReady();
  const prepared = 'messages' in body ? prepareChat(body, deployment) : prepareCompletion(body, deployment);
  trace.promptTokens = prepared.requests.reduce((sum, request) => sum + request.promptTokens.length, 0);
  const generated = prepared.requests.reduce((sum, request) => sum + request.maxTokens, 0);
  trace.releaseBudgetHold = await admitWithinBudget(context, caller, now, costOf(context.pricing, trace.promptTokens, generated));
  return { caller, deployment, prepared };
}

async function generateWithSlot(
  kind: EndpointKind,
  admitted: Admitted,
  controller: AbortController,
  grant: RateLimitGrant,
  reply: FastifyReply,
  context: ServerContext,
  trace: RequestTrace,
): Promise<unknown> {
  let release: () => void;
  try {
    release = await admitted.deployment.acquireSlot(controller.signal);
  } catch (error) {
    grant.refund();
    if (error instanceof OpenAiError && error.code === 'overloaded') context.metrics.rateLimitRejections.inc({ reason: 'queue_full' });
    throw asOpenAiError(error, context);
  }
  trace.generationStarted = true;
  const identity: ResponseIdentity = { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`, created: Math.floor(Date.now() / 1000), model: admitted.deployment.model };
  try {
    if (admitted.prepared.stream) {
      await streamGeneration(kind, identity, admitted, controller, reply, context, trace);
      return reply;
    }
    const noDeltas = async () => undefined;
    if (kind === 'completion') {
      const run = (request: GenerationRequest) => runGeneration(admitted, request, controller, trace, noDeltas);
      const choices = await completionChoices(admitted.prepared, admitted.deployment.generator, controller.signal, run, trace);
      if (choices === null || controller.signal.aborted) throw asOpenAiError(controller.signal.reason, context);
      return completionResponse(identity, choices, usageOf(trace.promptTokens, trace.completionTokens));
    }
    const request = admitted.prepared.requests[0]!;
    const output = await runGeneration(admitted, request, controller, trace, noDeltas);
    if (!output.finishReason) throw asOpenAiError(controller.signal.reason, context);
    const tokens = request.logprobs ? output.visibleTokens : null;
    const usage = usageOf(trace.promptTokens, output.completionTokens);
    return fullResponse(kind, identity, { text: output.text, finishReason: output.finishReason, tokens }, usage);
  } finally {
    release();
    grant.settle(trace.promptTokens + trace.completionTokens);
  }
}

async function streamGeneration(
  kind: EndpointKind,
  identity: ResponseIdentity,
  admitted: Admitted,
  controller: AbortController,
  reply: FastifyReply,
  context: ServerContext,
  trace: RequestTrace,
): Promise<void> {
  startEventStream(reply);
  const sse = new SseWriter(reply.raw, context.pingIntervalMs);
  const { prepared } = admitted;
  const withUsage = prepared.includeUsage;
  const request = prepared.requests[0]!; // streams carry one prompt (prepare-generation.ts)
  try {
    if (kind === 'chat') await sse.data(chunk(kind, identity, { role: 'assistant' }, withUsage));
    const sendDelta = async (delta: OutputDelta) => {
      await sse.data(chunk(kind, identity, { text: delta.text, tokens: request.logprobs ? delta.tokens : null }, withUsage));
    };
    const output = await runGeneration(admitted, request, controller, trace, sendDelta);
    if (!output.finishReason) throw asOpenAiError(controller.signal.reason, context);
    await sse.data(chunk(kind, identity, { finishReason: output.finishReason }, withUsage));
    if (withUsage) await sse.data(usageChunk(kind, identity, usageOf(trace.promptTokens, output.completionTokens)));
    await sse.data('[DONE]');
  } catch (error) {
    const failure = asOpenAiError(error, context);
    trace.errorCode = failure.code;
    // Headers are gone; OpenAI reports a failure inside a stream as an `error` record, which its client raises.
    await sse.data(failure.toBody());
  } finally {
    sse.end();
  }
}

/**
 * Runs the generator for one of the prepared requests, applying stop strings; `onDelta` gets each piece of visible
 * text as it appears. Completion tokens add up over the request's prompts.
 */
async function runGeneration(admitted: Admitted, request: GenerationRequest, controller: AbortController, trace: RequestTrace, onDelta: (delta: OutputDelta) => Promise<void>): Promise<GenerationOutput> {
  const output = new GenerationOutput(admitted.prepared.stop);
  const earlierTokens = trace.completionTokens;
  const stopped = new AbortController();
  const signal = AbortSignal.any([controller.signal, stopped.signal]);
  try {
    for await (const event of admitted.deployment.generator.generate(request, signal)) {
      if (event.type === 'token') {
        trace.firstTokenMs ??= performance.now();
        trace.lastTokenMs = performance.now();
      }
      const delta = output.accept(event);
      trace.completionTokens = earlierTokens + output.completionTokens;
      if (delta.text || delta.tokens.length > 0) await onDelta(delta);
      if (output.finishReason || controller.signal.aborted) break;
    }
  } catch (error) {
    if (controller.signal.aborted) return output;
    throw new OpenAiError(500, 'generation_failed', `The model \`${admitted.deployment.model}\` failed while generating: ${(error as Error).message}. Retry the request; if it keeps failing, check the deployment.`);
  } finally {
    stopped.abort();
  }
  return output;
}

/** The model a body names, even an invalid body, so the usage log can attribute the failure. */
function modelNamedIn(body: unknown): string | null {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === 'string' && model.length > 0 ? model.slice(0, 256) : null;
}

export function asOpenAiError(error: unknown, context: ServerContext): OpenAiError {
  if (error instanceof OpenAiError) return error;
  if (error instanceof RequestAbandoned) {
    if (error.why === 'timeout') return new OpenAiError(504, 'timeout', `The request did not finish within ${context.requestTimeoutMs} ms. Ask for fewer max_tokens or retry later.`);
    if (error.why === 'server_closing') return serverClosing();
    return new OpenAiError(499, 'client_closed', 'The client closed the connection before the response was complete.');
  }
  context.onError(error);
  return new OpenAiError(500, 'internal_error', 'The server hit an unexpected error; see its log.');
}
