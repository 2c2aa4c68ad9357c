// Routes for what runs leave behind: artifacts. The long-lived services deploy and api-endpoint start have theirs in
// serving-routes.ts.
import type { FastifyInstance } from 'fastify';
import { listQuerySchema, ROUTES } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { parseOrThrow } from '../api-error.ts';

export function registerResourceRoutes(app: FastifyInstance, engine: Engine): void {
  app.get(ROUTES.artifacts, async (request) => engine.listArtifacts(parseOrThrow(listQuerySchema, request.query, 'query')));
}
