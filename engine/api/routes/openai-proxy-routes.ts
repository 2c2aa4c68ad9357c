// The engine route that relays the studio's OpenAI calls to a running api-endpoint on this machine, so the page
// (whose port changes at every launch) reaches endpoints through its own engine and needs no CORS entry on them.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';
import { proxyTargetFor } from '../proxy-target.ts';
import { openUpstream, relayResponse } from '../upstream-relay.ts';

/** `*` is the endpoint path after ".../openai/", as the router matched and decoded it. */
const proxyParams = z.object({ serviceId: z.string().min(1).max(128), '*': z.string().max(4096) });

export function registerOpenAiProxyRoutes(app: FastifyInstance, engine: Engine): void {
  const inFlight = new Set<AbortController>();
  // Relayed streams would hold the server's close open until their generation ends; cut them first.
  app.addHook('preClose', async () => {
    for (const controller of inFlight) controller.abort();
  });
  void app.register(async (relay) => {
    // Bodies go upstream byte for byte: the endpoint parses and validates them, and answers in OpenAI's format.
    relay.removeAllContentTypeParsers();
    relay.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    relay.route({ method: ['GET', 'POST'], url: `${ROUTES.serviceOpenAi}/*`, handler: (request, reply) => relayToEndpoint(request, reply, engine, inFlight) });
  });
}

async function relayToEndpoint(request: FastifyRequest, reply: FastifyReply, engine: Engine, inFlight: Set<AbortController>): Promise<FastifyReply> {
  // The path comes from the matched route, not the raw URL (which may spell the same route another way); each
  // segment is encoded again for the endpoint, and proxyTargetFor checks the path the endpoint will see.
  const { serviceId, '*': endpointPath } = parseOrThrow(proxyParams, request.params, 'path');
  const queryStart = request.url.indexOf('?');
  const query = queryStart < 0 ? '' : request.url.slice(queryStart);
  const encodedPath = endpointPath.split('/').map(encodeURIComponent).join('/');
  const target = proxyTargetFor(engine.services.get(serviceId), serviceId, `/${encodedPath}${query}`);
  const controller = new AbortController();
  inFlight.add(controller);
  reply.raw.once('close', () => {
    inFlight.delete(controller);
    if (!reply.raw.writableFinished) controller.abort();
  });
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  let upstream: IncomingMessage;
  try {
    upstream = await openUpstream({ target, method: request.method, headers: request.headers, body, signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) {
      // The client left, or the engine is closing: nobody waits for an answer.
      reply.hijack();
      reply.raw.destroy();
      return reply;
    }
    const cause = error instanceof Error ? error.message : String(error);
    throw new HttpError(502, 'endpoint_unreachable', `api-endpoint service "${serviceId}" at ${target.origin} did not answer (${cause}); see its node's logs, or run its pipeline again`);
  }
  reply.hijack();
  await relayResponse(upstream, reply.raw);
  return reply;
}
