// Routes that start, list, inspect and cancel runs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listQuerySchema, logsQuerySchema, ROUTES, startRunRequestSchema } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { PipelineInvalidError, RunRequestError } from '../../executor/run-errors.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';

const runParams = z.object({ runId: z.string().min(1).max(128) });

export function registerRunRoutes(app: FastifyInstance, engine: Engine): void {
  app.post(ROUTES.runs, async (request, reply) => {
    const body = parseOrThrow(startRunRequestSchema, request.body, 'request body');
    try {
      const started = engine.startRun(body);
      return reply.code(202).send(started);
    } catch (error) {
      if (error instanceof PipelineInvalidError) throw new HttpError(422, 'pipeline_invalid', 'the pipeline has problems; fix them and run again', error.problems);
      if (error instanceof RunRequestError) throw new HttpError(400, 'invalid_run_request', error.message);
      throw error;
    }
  });

  app.get(ROUTES.runs, async (request) => {
    const query = parseOrThrow(listQuerySchema, request.query, 'query');
    return engine.listRuns(query);
  });

  app.get(ROUTES.run, async (request) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    const run = engine.getRun(runId);
    if (!run) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    return run;
  });

  app.get(ROUTES.runLogs, async (request) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    const query = parseOrThrow(logsQuerySchema, request.query, 'query');
    if (!engine.getRun(runId)) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    return engine.logs(runId, query);
  });

  app.post(ROUTES.cancelRun, async (request, reply) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    if (engine.cancelRun(runId)) return reply.code(202).send({ runId, cancelling: true });
    if (!engine.getRun(runId)) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    throw new HttpError(409, 'run_not_active', `run "${runId}" is not running`);
  });
}
