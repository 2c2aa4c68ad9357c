// Routes that start, list, inspect and cancel runs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listQuerySchema, logsQuerySchema, ROUTES, startRunRequestSchema } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { PipelineInvalidError, RunRequestError } from '../../executor/run-errors.ts';
import { isProcessAlive } from '../../process-alive.ts';
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

  // The full detail, metric series thinned (run-queries.ts); routes that only need the run's record use findRun.
  app.get(ROUTES.run, async (request) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    const run = engine.getRun(runId);
    if (!run) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    return run;
  });

  app.get(ROUTES.runLogs, async (request) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    const query = parseOrThrow(logsQuerySchema, request.query, 'query');
    if (!engine.findRun(runId)) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    return engine.logs(runId, query);
  });

  app.post(ROUTES.cancelRun, async (request, reply) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    if (engine.cancelRun(runId)) return reply.code(202).send({ runId, cancelling: true });
    const found = engine.findRun(runId);
    if (!found) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    // Running in the store but not here: a `crucible run` (another engine process) on the same data directory runs it.
    if (found.run.status === 'running') throw new HttpError(409, 'run_in_other_engine', runningElsewhereMessage(runId, found.enginePid));
    throw new HttpError(409, 'run_not_active', `run "${runId}" is not running`);
  });
}

/** Where to stop a run this engine does not run; `enginePid` is null for runs recorded before engines kept it. */
function runningElsewhereMessage(runId: string, enginePid: number | null): string {
  if (enginePid !== null && !isProcessAlive(enginePid)) {
    return `run "${runId}" was started by another engine process (pid ${enginePid}) that has stopped, so nothing runs it; it shows as interrupted once an engine next opens this data directory`;
  }
  const owner = enginePid === null ? 'another engine process' : `another engine process (pid ${enginePid})`;
  return `run "${runId}" cannot be cancelled here: it runs in ${owner}; stop it there (Ctrl-C in its terminal)`;
}
