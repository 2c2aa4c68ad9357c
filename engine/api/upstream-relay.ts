// One relayed HTTP exchange: the request sent upstream with only the headers a caller of the OpenAI API needs, and
// the answer written back chunk by chunk as it arrives (SSE included), with a dropped client cancelling upstream.
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { TOKEN_HEADER } from '../../app/protocol/engine-api.ts';

export interface UpstreamRequest {
  target: URL;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  signal: AbortSignal;
}

/** Headers that describe one connection, not the message; Node sets its own on each side. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);

/**
 * What goes upstream: content type, accept, and `Authorization` only when the engine token came in its own header
 * (otherwise Authorization held the engine token, which an endpoint must never see).
 */
export function forwardedHeaders(incoming: IncomingHttpHeaders, body: Buffer | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  if (incoming['content-type'] !== undefined) headers['content-type'] = incoming['content-type'];
  if (incoming.accept !== undefined) headers.accept = incoming.accept;
  if (incoming.authorization !== undefined && incoming[TOKEN_HEADER] !== undefined) headers.authorization = incoming.authorization;
  if (body !== undefined) headers['content-length'] = body.length;
  return headers;
}

/** The endpoint's response headers less hop-by-hop ones, plus what keeps proxies and browsers from buffering. */
export function relayedHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  headers['x-content-type-options'] = 'nosniff';
  headers['x-accel-buffering'] = 'no';
  headers['cache-control'] ??= 'no-store';
  return headers;
}

/** Sends the request; resolves once the endpoint's status and headers arrived, rejects when it does not answer. */
export function openUpstream(request: UpstreamRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(request.target, { method: request.method, headers: forwardedHeaders(request.headers, request.body), signal: request.signal }, resolve);
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/**
 * Writes the endpoint's answer to `response` as it comes. Ends when either side does: a client that leaves
 * destroys the upstream response (so the endpoint sees its client go and frees the batch slot), and an endpoint
 * that breaks off mid-stream cuts the client's response rather than ending it as if complete.
 */
export async function relayResponse(upstream: IncomingMessage, response: ServerResponse): Promise<void> {
  response.writeHead(upstream.statusCode ?? 502, relayedHeaders(upstream.headers));
  response.flushHeaders();
  try {
    await pipeline(upstream, response);
  } catch {
    // Either side closed early; pipeline has already destroyed both streams.
  }
}
