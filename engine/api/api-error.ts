// Errors the engine API answers with: JSON `{ error: { code, message, problems? } }` and a fitting status.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { ValidationProblem } from '../../app/graph/problems.ts';
import type { ApiError } from '../../app/protocol/engine-api.ts';
import { describeZodIssues } from '../../app/graph/zod-issues.ts';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: ValidationProblem[],
  ) {
    super(message);
  }
}

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string, problems?: ValidationProblem[]): FastifyReply {
  const body: ApiError = { error: { code, message } };
  if (problems) body.error.problems = problems;
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** Parses a request part with zod, or throws a 400 naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = describeZodIssues(parsed.error, value)
    .slice(0, 10)
    .map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message))
    .join('; ');
  throw new HttpError(400, 'invalid_request', `invalid ${what}: ${details}`);
}
