// Request bodies over real HTTP: JSON nested thousands deep and invalid UTF-8 get a 400 that names the problem (never a
// 500), prototype keys are refused, and hundreds of concurrent oversize uploads all see their 413.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../app/pipeline/bounded-json.ts';
import { createKey, sendRaw, type RawExchange } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

const MAX_BODY_BYTES = 16 * 1024;
let served: TestServer;
let apiKey: string;
const unexpectedErrors: unknown[] = [];

beforeAll(async () => {
  served = await startTestServer({ config: { maxBodyBytes: MAX_BODY_BYTES }, server: { onError: (error) => unexpectedErrors.push(error) } });
  apiKey = await createKey(served.store, { name: 'bodies' });
});
afterAll(async () => served.close());

const post = (path: string, body: Buffer | Buffer[], options: { chunked?: boolean; pauseMs?: number } = {}) =>
  sendRaw({ url: `${served.baseURL}${path}`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, ...options });

const errorOf = (exchange: RawExchange) => (JSON.parse(exchange.body) as { error: { message: string; type: string; param: string | null; code: string | null } }).error;

describe('nesting and encoding', () => {
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
  const cases = [
    { name: 'messages', path: '/chat/completions', text: `{"model":"bard-mini","messages":${deep(5_000)}}` },
    { name: 'prompt', path: '/completions', text: `{"model":"bard-mini","prompt":${deep(5_000)}}` },
    { name: 'stop', path: '/completions', text: `{"model":"bard-mini","prompt":"x","stop":${deep(5_000)}}` },
    // Objects take more bytes per level: 2,000 levels keep the body about 12 KB, under maxBodyBytes.
    { name: 'logit_bias', path: '/completions', text: `{"model":"bard-mini","prompt":"x","logit_bias":{"5":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}}` },
  ];
  it.each(cases)('refuses JSON nested thousands deep in $name with a 400 that names the depth limit', async ({ path, text }) => {
    const answer = await post(path, Buffer.from(text));
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ type: 'invalid_request_error', param: null, message: expect.stringContaining(`nested more than ${MAX_JSON_DEPTH} levels`) });
    expect(unexpectedErrors).toEqual([]);
  });

  it('answers nesting within the limit with a schema 400 whose preview stays short', async () => {
    const answer = await post('/completions', Buffer.from(`{"model":"bard-mini","prompt":"x","stop":${deep(MAX_JSON_DEPTH - 1)}}`));
    expect(answer.status).toBe(400);
    expect(errorOf(answer).param).toBe('stop');
    expect(errorOf(answer).message.length).toBeLessThan(200);
  });

  it('refuses a body that is not valid UTF-8 instead of replacing the bytes', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"bard-mini","max_tokens":1,"prompt":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const answer = await post('/completions', body);
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/not valid UTF-8 \(at byte 48\)/) });
    const overlong = await post('/completions', Buffer.concat([Buffer.from('{"model":"bard-mini","max_tokens":1,"prompt":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]));
    expect(overlong.status).toBe(400);
  });

  it('accepts valid multi-byte UTF-8, with or without a byte-order mark', async () => {
    const text = '{"model":"bard-mini","max_tokens":1,"prompt":"Café ☃ 𝄞"}';
    expect((await post('/completions', Buffer.from(text))).status).toBe(200);
    expect((await post('/completions', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).status).toBe(200);
  });

  it('refuses an empty body and prototype keys, as Fastify\'s own parser did', async () => {
    const empty = await post('/completions', Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(errorOf(empty).message).toContain('empty');
    const proto = await post('/completions', Buffer.from('{"model":"bard-mini","prompt":"x","max_tokens":1,"stream_options":{"__proto__":{"admin":true}}}'));
    expect(proto.status).toBe(400);
    expect(errorOf(proto).message).toContain('"stream_options.__proto__" is not allowed');
    const constructor = await post('/completions', Buffer.from('{"model":"bard-mini","prompt":"x","constructor":{"prototype":{"admin":true}}}'));
    expect(constructor.status).toBe(400);
  });
});

describe('oversize bodies', () => {
  // Written 64 KiB at a time with a pause, so uploads are still going when the server answers, as on a real network.
  const oversize = Buffer.from(JSON.stringify({ model: 'bard-mini', prompt: 'x'.repeat(768 * 1024) }));
  const inChunks = (buffer: Buffer, size: number) => Array.from({ length: Math.ceil(buffer.length / size) }, (_, i) => buffer.subarray(i * size, (i + 1) * size));
  const CLIENTS = 258;

  it.each([{ framing: 'Content-Length', chunked: false }, { framing: 'chunked', chunked: true }])(`gives every one of ${CLIENTS} concurrent oversize uploads ($framing) its 413, with no EPIPE or reset`, async ({ chunked }) => {
    const answers = await Promise.all(Array.from({ length: CLIENTS }, () => post('/completions', inChunks(oversize, 64 * 1024), { chunked, pauseMs: 1 })));
    const seen = new Map<string, number>();
    for (const answer of answers) {
      const key = `${answer.status} ${answer.errorCode ?? 'ok'}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual({ '413 ok': CLIENTS });
    expect(errorOf(answers[0]!)).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error', message: expect.stringContaining(`${MAX_BODY_BYTES} bytes`) });
    expect(answers[0]!.headers['x-request-id']).toMatch(/^req_/);
    const after = await post('/completions', Buffer.from('{"model":"bard-mini","prompt":"x","max_tokens":1}'));
    expect(after.status).toBe(200);
  });

  it('cuts the connection of an upload that goes on far past the drain bound, and keeps serving', async () => {
    const endless = inChunks(Buffer.alloc(16 * 1024 * 1024, 0x20), 256 * 1024);
    const answer = await post('/completions', endless, { chunked: true });
    expect(answer.errorCode).toMatch(/EPIPE|ECONNRESET/);
    const after = await post('/completions', Buffer.from('{"model":"bard-mini","prompt":"x","max_tokens":1}'));
    expect(after.status).toBe(200);
  });
});
