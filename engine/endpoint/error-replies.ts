// Every error the api-endpoint answers, in OpenAI's shape `{error:{message,type,param,code}}`: errors of its routes,
// Fastify's own (body parser, undecodable URL, over-long path parameter) and Node's (malformed HTTP).
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OpenAiError } from './openai-error.ts';
import { bodyStillArriving, bodyTooLarge, drainBody, type BodyLimits } from './request-body.ts';

/** What turning an error into a reply needs from the server. */
export interface ErrorReplyContext {
  limits: BodyLimits;
  /** Unexpected errors (the 500s) go here, for the log. */
  onError: (error: unknown) => void;
}

export function toOpenAiError(error: FastifyError | OpenAiError, context: ErrorReplyContext): OpenAiError {
  if (error instanceof OpenAiError) return error;
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status === 413) return bodyTooLarge(context.limits.maxBodyBytes);
  if (status === 415) return new OpenAiError(415, 'unsupported_media_type', `Send the request body as JSON with "Content-Type: application/json".`);
  if (error.code === 'FST_ERR_BAD_URL') return new OpenAiError(400, 'invalid_url', 'The URL path is not valid percent-encoding (a "%" must be followed by two hex digits of UTF-8). Check the URL.');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return urlTooLong();
  if (status >= 400 && status < 500) {
    const message = error.code?.startsWith('FST_ERR_CTP') ? `We could not parse the JSON body of your request: ${error.message}` : error.message;
    return new OpenAiError(status, 'invalid_request_error', message, { type: 'invalid_request_error' });
  }
  context.onError(error);
  return new OpenAiError(500, 'internal_error', 'The server hit an unexpected error; see its log.');
}

/** The longest path parameter the server takes (Fastify's maxParamLength, and a model id after /v1/models/). */
export const MAX_PATH_PARAMETER = 300;

export function urlTooLong(): OpenAiError {
  return new OpenAiError(414, 'url_too_long', `A segment of the URL path is too long (more than ${MAX_PATH_PARAMETER} characters). Check the URL.`);
}

export function sendOpenAiError(reply: FastifyReply, error: OpenAiError, context: ErrorReplyContext): FastifyReply {
  if (reply.raw.headersSent) return reply;
  reply.headers(error.headers);
  if (bodyStillArriving(reply.request.raw)) return answerBeforeBodyEnds(reply, error, context.limits);
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toBody());
}

/**
 * An error found before the body was read (a 413, a 404, a refused origin): the whole answer is written now, so the
 * client sees it while still uploading, but the response only ends, and the connection closes, once the rest of the
 * upload has been read and discarded. Ending it at once would close the socket with unread bytes, and the client
 * would get a connection reset instead of the answer.
 */
function answerBeforeBodyEnds(reply: FastifyReply, error: OpenAiError, limits: BodyLimits): FastifyReply {
  const body = JSON.stringify(error.toBody());
  reply.hijack();
  reply.raw.writeHead(error.status, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  reply.raw.write(body);
  void drainBody(reply.request.raw, limits).then(() => reply.raw.end());
  return reply;
}

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode or route. These requests skip the onRequest hooks, so the
 * request id is set here.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, context: ErrorReplyContext): FastifyReply {
  reply.header('x-request-id', request.id);
  return sendOpenAiError(reply, toOpenAiError(error, context), context);
}

/** Node's `clientError`: HTTP too broken to become a request. Answered on the raw socket, then closed, as Node does. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const [status, reason, answer] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', new OpenAiError(408, 'timeout', 'The request was not received in time. Retry it.')]
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', new OpenAiError(431, 'headers_too_large', 'The request headers are too large. Send smaller headers.')]
          : [400, 'Bad Request', new OpenAiError(400, 'invalid_http', 'The request is not valid HTTP/1.1 and could not be read.')];
    const body = JSON.stringify(answer.toBody());
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
