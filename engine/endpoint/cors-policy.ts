// Browser access to the API: only origins in the endpoint's `cors` list (none by default). Requests from other
// origins get a 403 that says how to allow them, instead of the silent CORS failure users of other servers hit.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpenAiError } from './openai-error.ts';

const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
].join(', ');

/** Adds CORS headers for an allowed origin; throws 403 for any other origin. Requests without Origin pass. */
export function applyCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (!allowedOrigins.includes(origin) && !allowedOrigins.includes('*')) {
    const message = `Requests from the browser origin ${JSON.stringify(origin.slice(0, 200))} are not allowed. Add it to the api-endpoint's "cors" list to let that web app call this API.`;
    throw new OpenAiError(403, 'origin_not_allowed', message, { type: 'invalid_request_error' });
  }
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
  reply.header('access-control-expose-headers', EXPOSED_HEADERS);
}

/** Answers a preflight for an allowed origin (applyCors has already run). */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requested = request.headers['access-control-request-headers'];
  reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
  reply.header('access-control-allow-headers', typeof requested === 'string' ? requested.slice(0, 1000) : 'authorization, content-type');
  reply.header('access-control-max-age', '600');
  return reply.code(204).send();
}
