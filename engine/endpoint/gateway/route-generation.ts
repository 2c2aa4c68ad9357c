// Which path a generation request takes: a model no upstream serves goes to its local deployment as before; a pool
// with upstreams sends it to the least loaded member, which may still be the local deployment.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { handleGeneration } from '../generation-handler.ts';
import type { EndpointKind } from '../response-shapes.ts';
import type { ServerContext } from '../server-context.ts';
import { handleUpstreamGeneration } from './upstream-handler.ts';

export function routeGeneration(kind: EndpointKind, request: FastifyRequest, reply: FastifyReply, context: ServerContext): Promise<unknown> {
  const pools = context.gateway;
  const model = (request.body as { model?: unknown } | null)?.model;
  if (!pools || typeof model !== 'string' || !pools.serves(model)) return handleGeneration(kind, request, reply, context);
  const local = context.deployments.get(model);
  if (local && pools.preferLocal(model, local)) return handleGeneration(kind, request, reply, context);
  return handleUpstreamGeneration(kind, request, reply, context, pools);
}
