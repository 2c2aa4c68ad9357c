// How the api-endpoint reads request bodies: JSON through parseBoundedJson (strict UTF-8, nesting limit) with
// OpenAI-shaped 400s, a 413 past maxBodyBytes, and the draining of bodies the server answered before reading.
//
// Why read a body we refuse: a server that answers and closes while the client is still uploading leaves unread
// bytes in the socket, the kernel resets the connection, and the client sees EPIPE / ECONNRESET instead of the 413
// (146 of 258 concurrent uploads did). So such an answer is written at once, the rest of the upload is read and
// discarded, and only then is the response ended and the connection closed (error-replies.ts). Past
// `drainLimitBytes` the socket is cut, which a client uploading gigabytes deserves.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBoundedJson, type BoundedJsonFailure } from '../../app/pipeline/bounded-json.ts';
import { invalidRequest, OpenAiError } from './openai-error.ts';

/** How much of a refused upload is read and thrown away before the connection is cut, in multiples of maxBodyBytes. */
const DRAIN_FACTOR = 4;
/** A floor for small maxBodyBytes settings: reading 1 MiB to answer cleanly costs nothing. */
const MIN_DRAIN_BYTES = 1024 * 1024;
/** Longest a refused upload is read for, against clients that trickle. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface BodyLimits {
  maxBodyBytes: number;
  /** Bytes of a refused or unread body the server still reads (and discards) before it closes the connection. */
  drainLimitBytes: number;
}

export function bodyLimitsFor(maxBodyBytes: number): BodyLimits {
  return { maxBodyBytes, drainLimitBytes: Math.max(DRAIN_FACTOR * maxBodyBytes, MIN_DRAIN_BYTES) };
}

export function bodyTooLarge(maxBodyBytes: number): OpenAiError {
  return new OpenAiError(413, 'request_too_large', `The request body is larger than this endpoint accepts (maxBodyBytes, ${maxBodyBytes} bytes). Send a shorter prompt.`);
}

/**
 * Replaces Fastify's JSON parser: reads at most `maxBodyBytes`, then parseBoundedJson. Fastify's own parser decodes
 * invalid UTF-8 as U+FFFD and lets JSON.parse build 5,000-deep values that overflow the stack of whatever walks them.
 */
export function registerJsonBodyParser(app: FastifyInstance, limits: BodyLimits): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (_request, payload, done) => {
    readBody(payload, limits.maxBodyBytes)
      .then(parseJsonBody)
      .then(
        (body) => done(null, body),
        (error: unknown) => done(error as Error),
      );
  });
}

/** A body whose Content-Length is over the limit is refused before a byte of it is read. */
export function refuseDeclaredOversize(request: FastifyRequest, limits: BodyLimits): void {
  const declaredBytes = Number(request.headers['content-length']);
  if (declaredBytes > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
}

/** Whether bytes of the body are still to come from the client (the message is neither complete nor read). */
export function bodyStillArriving(request: IncomingMessage): boolean {
  return !request.complete && !request.readableEnded && !request.destroyed;
}

/**
 * Reads and discards what is left of a request body, resolving once it ended (or the client left). Past
 * `drainLimitBytes`, or `DRAIN_TIMEOUT_MS` for a client that trickles, it destroys the socket instead.
 */
export function drainBody(request: IncomingMessage, limits: BodyLimits): Promise<void> {
  if (!bodyStillArriving(request)) return Promise.resolve();
  return new Promise((resolve) => {
    let drainedBytes = 0;
    const finish = () => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', finish);
      request.off('close', finish);
      resolve();
    };
    const cut = () => {
      request.destroy(); // and with it the socket
      finish();
    };
    const onData = (chunk: Buffer) => {
      drainedBytes += chunk.length;
      if (drainedBytes > limits.drainLimitBytes) cut();
    };
    const timer = setTimeout(cut, DRAIN_TIMEOUT_MS).unref();
    request.on('data', onData);
    request.once('end', finish);
    request.once('close', finish);
    request.resume();
  });
}

/** Collects the body, failing with a 413 once it passes `maxBodyBytes` (the error reply drains the rest). */
function readBody(payload: NodeJS.ReadableStream, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      receivedBytes += bytes.length;
      if (receivedBytes > maxBodyBytes) {
        stop();
        reject(bodyTooLarge(maxBodyBytes));
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, receivedBytes));
    };
    const onError = (error: Error) => {
      stop();
      reject(invalidRequest(`The request body could not be read: ${error.message}.`));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw invalidRequest('The request body is empty. Send a JSON object.');
  const parsed = parseBoundedJson(bytes);
  if (!parsed.ok) throw unparsableBody(parsed.failure);
  return parsed.value;
}

function unparsableBody(failure: BoundedJsonFailure): OpenAiError {
  return invalidRequest(`We could not parse the JSON body of your request: ${failure.message}.`);
}
