// Routes for what runs leave behind: artifacts, and the long-lived services deploy and api-endpoint start.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listQuerySchema, ROUTES } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';

const serviceParams = z.object({ serviceId: z.string().min(1).max(128) });

export function registerResourceRoutes(app: FastifyInstance, engine: Engine): void {
  app.get(ROUTES.artifacts, async (request) => engine.listArtifacts(parseOrThrow(listQuerySchema, request.query, 'query')));
  app.get(ROUTES.services, async () => engine.listServices());
  app.post(ROUTES.stopService, async (request) => {
    const { serviceId } = parseOrThrow(serviceParams, request.params, 'path');
    if (!engine.services.get(serviceId)) throw new HttpError(404, 'service_not_found', `no service "${serviceId}"`);
    await engine.stopService(serviceId);
    return engine.services.get(serviceId) ?? { id: serviceId, status: 'stopped' };
  });
}
