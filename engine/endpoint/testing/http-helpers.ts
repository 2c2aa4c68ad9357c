// Test support: small HTTP helpers for calling the OpenAI-compatible server without the SDK.
import http from 'node:http';
import type { CreateApiKeyRequest } from '../../../app/protocol/serving-api.ts';
import { createApiKeyRequestSchema } from '../../../app/protocol/serving-api.ts';
import type { ServingStore } from '../store/serving-store.ts';

export async function createKey(store: ServingStore, request: CreateApiKeyRequest, now?: Date): Promise<string> {
  return (await store.keys.create(createApiKeyRequestSchema.parse(request), now)).key;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

/**
 * Starts a stream and resolves once its first record arrived, so the request surely holds a batch slot. The
 * end-of-text token is banned so the stream lasts its whole max_tokens.
 */
export async function openStream(url: string, body: Record<string, unknown>, apiKey: string): Promise<{ response: Response; abort: () => void; rest: Promise<string> }> {
  const controller = new AbortController();
  const response = await postJson(url, { logit_bias: { '0': -100 }, ...body, stream: true }, { authorization: `Bearer ${apiKey}` }, controller.signal);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value ?? new Uint8Array());
  const rest = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value);
      }
    } catch {
      return text;
    }
  })();
  return { response, abort: () => controller.abort(), rest };
}

/** `data:` payloads of an SSE body, parsed; "[DONE]" stays a string. */
export function sseRecords(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((record) => record.startsWith('data: '))
    .map((record) => record.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

/** Polls `condition` until it holds; the generous default is for a loaded machine, where a wait rarely takes long. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Waits until the usage log holds at least `count` rows (of `keyName`'s key, when given). A row is queued when its
 * response closes, which can come just after the client has read the response; until then a request's budget hold
 * stands in for its cost.
 */
export async function waitForUsageRows(store: ServingStore, count: number, keyName?: string): Promise<void> {
  await waitFor(async () => (await store.requests.report(keyName === undefined ? {} : { keyName })).totals.requests >= count);
}

export interface RawExchange {
  /** 0 when no response arrived. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The socket error the client saw (EPIPE, ECONNRESET), if any. */
  errorCode: string | null;
}

export interface RawRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is; a list is written piece by piece, waiting for each to drain and then `pauseMs`. */
  body?: Buffer | Buffer[];
  /** Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
  /** Pause between the pieces of a list body, as a slower network would; default 0. */
  pauseMs?: number;
  /** false: a fresh connection that closes after this request (node's `agent: false`). Default: a fresh one too. */
  agent?: http.Agent | false;
}

/**
 * One request over node:http with exact bytes, path and headers, reporting what the client saw: a response, a
 * socket error, or both. Never rejects.
 */
export function sendRaw(request: RawRequest): Promise<RawExchange> {
  const url = new URL(request.url);
  const pieces = request.body === undefined ? [] : Array.isArray(request.body) ? request.body : [request.body];
  const headers = { ...request.headers };
  if (!request.chunked) headers['content-length'] = String(pieces.reduce((total, piece) => total + piece.length, 0));
  return new Promise((resolve) => {
    const exchange: RawExchange = { status: 0, headers: {}, body: '', errorCode: null };
    let settled = 0;
    const settle = () => {
      settled++;
      // Both the request side ('close') and the response side ('end' or never) must be over.
      if (settled === 2) resolve(exchange);
    };
    // `path` as given, so odd percent-encodings reach the server unchanged.
    const client = http.request({ host: url.hostname, port: url.port, path: request.url.slice(url.origin.length), method: request.method ?? 'POST', headers, agent: request.agent ?? false }, (response) => {
      exchange.status = response.statusCode ?? 0;
      exchange.headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (text: string) => (exchange.body += text));
      response.on('close', settle);
      response.on('error', () => undefined);
    });
    let responded = false;
    client.on('response', () => (responded = true));
    client.on('error', (error: NodeJS.ErrnoException) => {
      exchange.errorCode = error.code ?? error.message;
    });
    client.on('close', () => {
      if (!responded) settled++;
      settle();
    });
    void (async () => {
      for (const piece of pieces) {
        if (client.destroyed) return;
        if (!client.write(piece)) await new Promise((resolveDrain) => client.once('drain', resolveDrain));
        if (request.pauseMs) await new Promise((resolvePause) => setTimeout(resolvePause, request.pauseMs));
      }
      if (!client.destroyed) client.end();
    })();
  });
}
