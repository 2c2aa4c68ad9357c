// Errors that Fastify or Node answer before a route runs — undecodable or over-long URLs, broken HTTP, oversized
// headers, unknown media types, a server shutting down — still come as OpenAI's {error:{message,type,param,code}}.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, openStream, sendRaw } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

let served: TestServer;
let apiKey: string;
beforeAll(async () => {
  served = await startTestServer();
  apiKey = await createKey(served.store, { name: 'shapes' });
});
afterAll(async () => served.close());

function expectOpenAiError(body: string, code: string): void {
  const parsed = JSON.parse(body) as { error: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error).toEqual({ message: expect.any(String), type: expect.any(String), param: null, code });
}

/** Writes raw bytes on a fresh socket and returns all the server sent back before closing. */
function exchangeBytes(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (data) => (received += data.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
  });
}

describe('before a route runs', () => {
  it.each([
    { path: '/v1/models/%E0%A4%A', status: 400, code: 'invalid_url' },
    { path: '/v1/%ZZ/completions', status: 400, code: 'invalid_url' },
    { path: `/v1/models/${'m'.repeat(301)}`, status: 414, code: 'url_too_long' },
    { path: '/v1/completion%73/', status: 404, code: 'unknown_url' },
  ])('answers GET $path with $status $code', async ({ path, status, code }) => {
    const answer = await sendRaw({ url: `${served.url}${path}`, method: 'GET', headers: { authorization: `Bearer ${apiKey}` } });
    expect(answer.status).toBe(status);
    expect(answer.headers['x-request-id']).toMatch(/^req_/);
    expectOpenAiError(answer.body, code);
  });

  it('answers an unknown media type with 415', async () => {
    const answer = await sendRaw({ url: `${served.baseURL}/completions`, body: Buffer.from('<prompt/>'), headers: { 'content-type': 'application/xml', authorization: `Bearer ${apiKey}` } });
    expect(answer.status).toBe(415);
    expectOpenAiError(answer.body, 'unsupported_media_type');
  });

  it.each([
    { what: 'a header line without a colon', request: 'GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', status: 400, code: 'invalid_http' },
    { what: 'a Content-Length that is not a number', request: 'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', status: 400, code: 'invalid_http' },
    { what: 'headers over 16 KiB', request: `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'headers_too_large' },
  ])('answers $what with $status in OpenAI form', async ({ request, status, code }) => {
    const response = await exchangeBytes(Number(new URL(served.url).port), request);
    expect(response.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expectOpenAiError(response.slice(response.indexOf('\r\n\r\n') + 4), code);
  });
});

it('answers requests that arrive while the server closes with 503 server_closing', async () => {
  const closing = await startTestServer();
  const key = await createKey(closing.store, { name: 'k' });
  // A stream in flight keeps close() draining. Its generator is held after its first token until the late request
  // is answered (a fixed token delay left that request only the rest of one step to arrive in).
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const generate = closing.generator.generate.bind(closing.generator);
  closing.generator.generate = async function* (request, signal) {
    for await (const event of generate(request, signal)) {
      yield event;
      await held;
    }
  };
  const stream = await openStream(`${closing.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 50 }, key);
  const closed = closing.close();
  const late = await sendRaw({ url: `${closing.url}/v1/models`, method: 'GET', headers: { authorization: `Bearer ${key}` } });
  release();
  expect(late.status).toBe(503);
  expect(late.headers['retry-after']).toBe('1');
  expectOpenAiError(late.body, 'server_closing');
  await stream.rest;
  await closed;
});
