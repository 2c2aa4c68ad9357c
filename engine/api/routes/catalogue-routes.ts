// Routes for what the engine knows without running anything: health, the node-type catalogue, validation.
import type { FastifyInstance } from 'fastify';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { ROUTES, validateRequestSchema } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { parseOrThrow } from '../api-error.ts';

export function registerCatalogueRoutes(app: FastifyInstance, engine: Engine, version: string): void {
  const nodeTypes = catalogue(engine.registry);
  app.get(ROUTES.health, async () => ({ status: 'ok', version, dataDir: engine.dataDir, activeRuns: engine.activeRunIds().length }));
  app.get(ROUTES.nodeTypes, async () => nodeTypes);
  app.post(ROUTES.validate, async (request) => {
    const body = parseOrThrow(validateRequestSchema, request.body, 'request body');
    return engine.validate(body.pipeline, body.pipelinePath);
  });
}
