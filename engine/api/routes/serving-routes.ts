// Engine API routes for the studio's serving panel and `crucible services`: the running services (list, stop,
// restart), then API keys (list, create (the secret is returned once), update, revoke) and usage per day, key and
// model. Keys and usage share the data directory's database with every api-endpoint.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import { createApiKeyRequestSchema, updateApiKeyRequestSchema, usageQuerySchema } from '../../../app/protocol/serving-api.ts';
import type { Engine } from '../../engine.ts';
import { KeyNameTakenError } from '../../endpoint/store/key-store.ts';
import { storeUrlOf } from '../../endpoint/gateway-backends.ts';
import { openServingStore, type ServingStore } from '../../endpoint/store/serving-store.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';
import { ServiceRestartError } from '../../services/service-restart.ts';

const keyParams = z.object({ keyName: z.string().min(1).max(64) });
const serviceParams = z.object({ serviceId: z.string().min(1).max(128) });

export function registerServingRoutes(app: FastifyInstance, engine: Engine): void {
  registerServiceRoutes(app, engine);
  let store: Promise<ServingStore> | null = null;
  // Opened on first use, so an engine that never touches keys opens no second connection. An engine launched with
  // CRUCIBLE_STORE_URL shows the keys and usage of that shared store, as `crucible keys` does.
  const servingStore = () => {
    if (!store) {
      store = openServingStore(storeUrlOf(undefined, process.env) ?? { dataDir: engine.dataDir });
      store.catch(() => (store = null)); // a store that could not be opened is tried again on the next request
    }
    return store;
  };
  app.addHook('onClose', async () => (await store?.catch(() => null))?.close());

  app.get(ROUTES.apiKeys, async () => (await servingStore()).keys.list());
  app.post(ROUTES.apiKeys, async (request, reply) => {
    const options = parseOrThrow(createApiKeyRequestSchema, request.body, 'request body');
    try {
      return reply.code(201).send(await (await servingStore()).keys.create(options));
    } catch (error) {
      if (error instanceof KeyNameTakenError) throw new HttpError(409, 'key_name_taken', error.message);
      throw error;
    }
  });
  app.patch(ROUTES.apiKey, async (request) => {
    const { keyName } = parseOrThrow(keyParams, request.params, 'path');
    const changes = parseOrThrow(updateApiKeyRequestSchema, request.body, 'request body');
    const updated = await (await servingStore()).keys.update(keyName, changes);
    if (!updated) throw new HttpError(404, 'key_not_found', `no active API key named "${keyName}"`);
    return updated;
  });
  app.post(ROUTES.revokeApiKey, async (request) => {
    const { keyName } = parseOrThrow(keyParams, request.params, 'path');
    const revoked = await (await servingStore()).keys.revoke(keyName);
    if (!revoked) throw new HttpError(404, 'key_not_found', `no active API key named "${keyName}"`);
    return revoked;
  });
  app.get(ROUTES.usage, async (request) => {
    const { key, since, until } = parseOrThrow(usageQuerySchema, request.query, 'query');
    return (await servingStore()).requests.report({ keyName: key, since, until });
  });
}

function registerServiceRoutes(app: FastifyInstance, engine: Engine): void {
  const known = (request: { params: unknown }) => {
    const { serviceId } = parseOrThrow(serviceParams, request.params, 'path');
    if (!engine.services.get(serviceId)) throw new HttpError(404, 'service_not_found', `no service "${serviceId}"`);
    return serviceId;
  };
  app.get(ROUTES.services, async () => engine.listServices());
  app.post(ROUTES.stopService, async (request) => {
    const serviceId = known(request);
    await engine.stopService(serviceId);
    return engine.services.get(serviceId) ?? { id: serviceId, status: 'stopped' };
  });
  /** Answers the services now running in its place: the restarted one first, then any endpoints restarted with it. */
  app.post(ROUTES.restartService, async (request) => {
    const serviceId = known(request);
    try {
      return await engine.restartService(serviceId);
    } catch (error) {
      if (error instanceof ServiceRestartError) throw new HttpError(error.code === 'service_not_found' ? 404 : 409, error.code, error.message);
      throw new HttpError(409, 'restart_failed', `could not restart ${serviceId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
