// Live event streams (SSE): one per run and one for the whole engine. Each starts with a snapshot of the current
// state, so a client that reconnects is up to date at once.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ROUTES } from '../../../app/protocol/engine-api.ts';
import type { Engine } from '../../engine.ts';
import { HttpError, parseOrThrow } from '../api-error.ts';
import { snapshotOfStoredRun } from '../run-snapshot.ts';
import { SseStream } from '../sse-stream.ts';

const runParams = z.object({ runId: z.string().min(1).max(128) });

export function registerEventRoutes(app: FastifyInstance, engine: Engine, streams: Set<SseStream>): void {
  app.get(ROUTES.events, async (_request, reply) => {
    const stream = open(reply, streams);
    stream.send({ type: 'snapshot', runs: engine.tracker.active(), services: engine.listServices() });
    const unsubscribe = engine.bus.subscribe((event) => stream.send(event));
    stream.onClose(unsubscribe);
  });

  app.get(ROUTES.runEvents, async (request, reply) => {
    const { runId } = parseOrThrow(runParams, request.params, 'path');
    const live = engine.tracker.snapshot(runId);
    // The stored record, without metric points: a snapshot draws from the run and its nodes only, so a long run's
    // series are never read here.
    const stored = live ? null : engine.findRun(runId);
    if (!live && !stored) throw new HttpError(404, 'run_not_found', `no run "${runId}"`);
    const stream = open(reply, streams);
    stream.send({ type: 'snapshot', run: live ?? snapshotOfStoredRun(stored!) });
    if (!engine.activeRunIds().includes(runId)) return stream.close();
    const unsubscribe = engine.bus.onRun(runId, (event) => {
      stream.send(event);
      if (event.type === 'run.finished') stream.close();
    });
    stream.onClose(unsubscribe);
  });
}

function open(reply: FastifyReply, streams: Set<SseStream>): SseStream {
  reply.hijack();
  const stream = new SseStream(reply.raw, Object.fromEntries(Object.entries(reply.getHeaders()).map(([k, v]) => [k, String(v)])));
  streams.add(stream);
  stream.onClose(() => streams.delete(stream));
  return stream;
}
