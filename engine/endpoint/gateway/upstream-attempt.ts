// One try of one request on one upstream member: send it, then either hand the client the answer (a whole response,
// an SSE stream passed through record by record, or the upstream's own 4xx) or, when nothing has reached the client
// yet, report a failure the caller may retry on another member.
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { OpenAiError } from '../openai-error.ts';
import type { RequestTrace } from '../request-trace.ts';
import { drainedOrClosed, startEventStream } from '../sse-writer.ts';
import type { EndpointKind } from '../response-shapes.ts';
import { isGoneError, networkErrorCode } from './health-probe.ts';
import type { UpstreamErrorKind } from './gateway-metrics.ts';
import { SseRecordSplitter, type SseRecord } from './sse-records.ts';
import type { UpstreamMember } from './upstream-member.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { completionTextOf, reportedUsage, type TokenCounter, type TokenCounts } from './usage-count.ts';

export interface UpstreamRequest {
  kind: EndpointKind;
  /** The name the client asked for. */
  model: string;
  body: Record<string, unknown>;
  stream: boolean;
  /** The client set stream_options.include_usage; otherwise the usage chunk the gateway asked for is stripped. */
  clientWantsUsage: boolean;
  requestId: string;
}

export interface AttemptContext {
  reply: FastifyReply;
  /** Aborted when the client leaves, the request times out or the server closes. */
  signal: AbortSignal;
  trace: RequestTrace;
  counter: TokenCounter;
  pools: UpstreamPools;
  /** The error a request abandoned after the stream started is reported with (null: the client left, say nothing). */
  abandonedError(reason: unknown): OpenAiError | null;
}

export type AttemptOutcome = { kind: 'answered'; payload?: unknown } | { kind: 'retry'; error: OpenAiError };

/** Past this, an upstream's error body is cut: it only feeds a message. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A whole (non-streamed) completion larger than this is refused as broken rather than held in memory. */
const WHOLE_RESPONSE_LIMIT = 64 * 1024 * 1024;

class FirstByteTimeout extends Error {}

export async function attemptOnMember(member: UpstreamMember, request: UpstreamRequest, context: AttemptContext): Promise<AttemptOutcome> {
  const { pools, signal } = context;
  const startedMs = performance.now();
  const release = member.begin();
  const attempt = new AbortController();
  const onAbort = () => attempt.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  // Only a stream has a first byte worth waiting for; a whole response arrives when the generation is done.
  const firstByteTimer = request.stream ? setTimeout(() => attempt.abort(new FirstByteTimeout()), pools.routing.firstByteTimeoutMs) : null;
  let status = 0;
  try {
    let response: Response;
    try {
      response = await fetch(endpointUrl(member, request.kind), {
        method: 'POST',
        headers: upstreamHeaders(member, request.requestId),
        body: JSON.stringify(upstreamBody(member, request)),
        signal: attempt.signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      return failedBeforeFirstByte(member, request, context, error);
    }
    status = response.status;
    if (!response.ok) return await refused(member, request, context, response);
    const relay = { member, request, context, response, stopFirstByteTimer: () => firstByteTimer && clearTimeout(firstByteTimer) };
    return request.stream ? await relayStream(relay) : await relayWhole(relay);
  } finally {
    if (firstByteTimer) clearTimeout(firstByteTimer);
    signal.removeEventListener('abort', onAbort);
    release();
    pools.metrics.requests.inc({ member: member.name, status: String(status) });
    pools.metrics.latency.observe({ member: member.name }, (performance.now() - startedMs) / 1000);
  }
}

function endpointUrl(member: UpstreamMember, kind: EndpointKind): URL {
  return new URL(`${member.baseUrl.pathname}/${kind === 'chat' ? 'chat/completions' : 'completions'}`, member.baseUrl);
}

function upstreamHeaders(member: UpstreamMember, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-request-id': requestId };
  if (member.authorization) headers.authorization = member.authorization;
  return headers;
}

/** The client's body with the upstream's name for the model; a stream always asks for the usage chunk. */
function upstreamBody(member: UpstreamMember, request: UpstreamRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request.body, model: member.upstreamModel(request.model) };
  if (request.stream) {
    const options = request.body.stream_options;
    body.stream_options = { ...(options && typeof options === 'object' && !Array.isArray(options) ? options : {}), include_usage: true };
  }
  return body;
}

function countError(context: AttemptContext, member: UpstreamMember, kind: UpstreamErrorKind): void {
  context.pools.metrics.errors.inc({ member: member.name, kind });
}

function failedBeforeFirstByte(member: UpstreamMember, request: UpstreamRequest, context: AttemptContext, error: unknown): AttemptOutcome {
  const timedOut = error instanceof FirstByteTimeout || (error as Error).name === 'AbortError';
  const reason = timedOut ? `no first byte within ${context.pools.routing.firstByteTimeoutMs} ms` : (networkErrorCode(error) ?? (error as Error).message);
  countError(context, member, timedOut ? 'timeout' : 'connect');
  context.pools.report(member, { ok: false, reason, gone: !timedOut && isGoneError(error) });
  const message = `The upstream "${member.name}" serving \`${request.model}\` could not be reached (${reason}).`;
  return { kind: 'retry', error: new OpenAiError(502, 'upstream_unreachable', message, { retryAfterMs: 1_000 }) };
}

/**
 * A non-2xx answer. 5xx, 429, 401 and 403 are the member's problem: retried elsewhere (a retry-after keeps requests
 * off it until then). Other 4xx are about the request itself: passed to the client as they are.
 */
async function refused(member: UpstreamMember, request: UpstreamRequest, context: AttemptContext, response: Response): Promise<AttemptOutcome> {
  const text = await readCapped(response).catch(() => '');
  const retryAfterMs = retryAfterMsOf(response.headers);
  const upstreamError = openAiErrorIn(text);
  const status = response.status;
  if (status < 500 && status !== 429 && status !== 401 && status !== 403) {
    const message = upstreamError?.message ?? `The upstream "${member.name}" answered ${status}: ${text.slice(0, 200)}`;
    // The client sees the upstream's own code, null included (OpenAI sends null on most 400s).
    throw new OpenAiError(status, upstreamError?.code ?? 'upstream_error', message, { type: upstreamError?.type, param: upstreamError?.param ?? null, ...(upstreamError ? { shownCode: upstreamError.code } : {}) });
  }
  if (retryAfterMs !== null && (status === 429 || status === 503)) {
    member.throttle(retryAfterMs);
    countError(context, member, 'throttled');
  } else {
    countError(context, member, 'status');
    context.pools.report(member, { ok: false, reason: `answered ${status}`, gone: false });
  }
  if (status === 401 || status === 403) {
    const message = `The upstream "${member.name}" refused the gateway's credentials (${status}); check the API key in its apiKeyEnv variable.`;
    return { kind: 'retry', error: new OpenAiError(502, 'upstream_auth_failed', message) };
  }
  const message = upstreamError?.message ?? `The upstream "${member.name}" serving \`${request.model}\` answered ${status}.`;
  const options = { type: upstreamError?.type, ...(retryAfterMs !== null ? { retryAfterMs } : {}) };
  return { kind: 'retry', error: new OpenAiError(status, upstreamError?.code ?? 'upstream_error', message, options) };
}

interface Relay {
  member: UpstreamMember;
  request: UpstreamRequest;
  context: AttemptContext;
  response: Response;
  stopFirstByteTimer(): void;
}

async function relayWhole({ member, request, context, response }: Relay): Promise<AttemptOutcome> {
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readCapped(response, WHOLE_RESPONSE_LIMIT, true));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the body is not a JSON object');
    value = parsed as Record<string, unknown>;
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    countError(context, member, 'status');
    context.pools.report(member, { ok: false, reason: `unreadable response: ${(error as Error).message}`, gone: isGoneError(error) });
    return { kind: 'retry', error: new OpenAiError(502, 'upstream_invalid_response', `The upstream "${member.name}" sent a response that is not OpenAI's JSON (${(error as Error).message}).`) };
  }
  context.pools.report(member, { ok: true });
  const { trace, counter } = context;
  trace.generationStarted = true;
  settleCounts(trace, reportedUsage(value), () => counter.countText(completionTextOf(request.kind, value)));
  if (typeof value.model === 'string') value.model = request.model;
  context.reply.header('x-crucible-upstream', member.name);
  return { kind: 'answered', payload: value };
}

/** Usage the upstream reported, else our own count (`completionCount`), marked estimated. */
function settleCounts(trace: RequestTrace, usage: TokenCounts | null, completionCount: () => number): void {
  if (usage) {
    trace.promptTokens = usage.promptTokens;
    trace.completionTokens = usage.completionTokens;
    trace.usageEstimated = false;
  } else {
    trace.completionTokens = completionCount();
    trace.usageEstimated = true;
  }
}

async function relayStream(relay: Relay): Promise<AttemptOutcome> {
  const { member, request, context } = relay;
  const { reply, trace, signal } = context;
  const reader = relay.response.body!.getReader();
  const splitter = new SseRecordSplitter();
  const seen: StreamSeen = { text: '', contentChunks: 0, countedTokens: 0, usage: null, errorCode: null, done: false };
  let committed = false;
  let failure: unknown = null;
  try {
    while (!seen.done) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        failure = error;
        break;
      }
      if (chunk.done) break;
      let records: SseRecord[];
      try {
        records = splitter.push(chunk.value);
      } catch (error) {
        failure = error;
        break;
      }
      for (const record of records) {
        if (!committed) {
          relay.stopFirstByteTimer();
          startEventStream(reply, { 'x-crucible-upstream': member.name });
          trace.generationStarted = true;
          committed = true;
        }
        const out = passOn(record, request, seen, context);
        if (out !== null) await write(reply.raw, out);
      }
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  if (!committed) {
    if (signal.aborted) throw signal.reason;
    return failedBeforeFirstByte(member, request, context, failure ?? new Error('the stream ended before its first record'));
  }
  settleCounts(trace, seen.usage, () => (context.counter.exact ? context.counter.countText(seen.text) : seen.contentChunks));
  finishStream(relay, seen, failure);
  return { kind: 'answered' };
}

/** Ends a stream that started: cleanly, with the upstream's own error record, or with ours when it broke off. */
function finishStream({ member, request, context }: Relay, seen: { done: boolean; errorCode: string | null }, failure: unknown): void {
  const { reply, trace, signal, pools } = context;
  // The upstream's own error record ends its stream too: it is a failure, not a clean end.
  if (seen.errorCode !== null) {
    trace.errorCode = seen.errorCode;
    pools.report(member, { ok: false, reason: `error record mid-stream: ${seen.errorCode}`, gone: seen.errorCode === 'server_closing' });
  } else if (seen.done) pools.report(member, { ok: true });
  else if (signal.aborted) {
    const error = context.abandonedError(signal.reason);
    if (error) {
      trace.errorCode = error.code;
      reply.raw.write(`data: ${JSON.stringify(error.toBody())}\n\n`);
    }
  } else {
    const reason = failure ? (networkErrorCode(failure) ?? (failure as Error).message) : 'the stream ended without [DONE]';
    countError(context, member, 'mid_stream');
    pools.report(member, { ok: false, reason: `failed mid-stream: ${reason}`, gone: true });
    const error = new OpenAiError(502, 'upstream_failed', `The upstream "${member.name}" serving \`${request.model}\` failed mid-stream (${reason}); the response is incomplete. Retry the request.`);
    trace.errorCode = error.code;
    reply.raw.write(`data: ${JSON.stringify(error.toBody())}\n\n`);
  }
  if (!reply.raw.writableEnded) reply.raw.end();
}

/** What a stream passed on so far. */
interface StreamSeen {
  text: string;
  contentChunks: number;
  /** The completion's tokens as counted chunk by chunk while it streams (see passOn). */
  countedTokens: number;
  usage: TokenCounts | null;
  errorCode: string | null;
  done: boolean;
}

/** The text to send the client for one record, or null to drop it (the usage chunk the client did not ask for). */
function passOn(record: SseRecord, request: UpstreamRequest, seen: StreamSeen, { trace, counter }: AttemptContext): string | null {
  if (record.kind === 'done') {
    seen.done = true;
    return 'data: [DONE]\n\n';
  }
  if (record.kind === 'other') return `${record.raw}\n\n`;
  const { value } = record;
  const error = value.error as { code?: unknown } | undefined;
  if (error && typeof error === 'object') {
    seen.errorCode = typeof error.code === 'string' ? error.code : 'upstream_error';
    seen.done = true;
    return `data: ${JSON.stringify(value)}\n\n`;
  }
  seen.usage = reportedUsage(value) ?? seen.usage;
  const text = completionTextOf(request.kind, value);
  if (text.length > 0) {
    trace.firstTokenMs ??= performance.now();
    trace.lastTokenMs = performance.now();
    seen.text += text;
    seen.contentChunks++;
    seen.countedTokens += counter.exact ? counter.countText(text) : 1;
    // Kept current, as the local path does: a client that leaves mid-stream has its usage row (and its key's spend)
    // written the moment its socket closes, and it must bill what was relayed until then, not the prompt alone. The
    // end of the stream settles the count to the upstream's usage, or to the whole text counted at once.
    trace.completionTokens = seen.countedTokens;
  }
  if (typeof value.model === 'string') value.model = request.model;
  if (!request.clientWantsUsage && 'usage' in value) {
    if (Array.isArray(value.choices) && value.choices.length === 0) return null;
    delete value.usage;
  }
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** Writes and waits while the client's socket buffer is full, so a slow reader slows the upstream, not our memory. */
async function write(response: ServerResponse, text: string): Promise<void> {
  if (response.destroyed || response.writableEnded) return;
  if (response.write(text)) return;
  await drainedOrClosed(response);
}

/** The body's first `limit` bytes as text; `whole`: a longer body is an error instead of being cut. */
async function readCapped(response: Response, limit = ERROR_BODY_LIMIT, whole = false): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    chunks.push(value);
    size += value.byteLength;
  }
  void reader.cancel().catch(() => undefined);
  if (whole) throw new Error(`the response is larger than ${limit / 1024 / 1024} MiB`);
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

function openAiErrorIn(text: string): { message: string; code: string | null; type?: string; param?: string | null } | null {
  try {
    const error = (JSON.parse(text) as { error?: Record<string, unknown> }).error;
    if (!error || typeof error.message !== 'string') return null;
    return {
      message: error.message,
      code: typeof error.code === 'string' ? error.code : null,
      ...(typeof error.type === 'string' ? { type: error.type } : {}),
      param: typeof error.param === 'string' ? error.param : null,
    };
  } catch {
    return null;
  }
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMsOf(headers: Headers): number | null {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return Math.min(ms, 3_600_000);
  const value = headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.min(Math.max(0, date - Date.now()), 3_600_000);
}
