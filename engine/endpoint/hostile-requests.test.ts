// About 1,000 seeded hostile requests over real HTTP — JSON nested thousands deep in messages, prompt and stop, odd
// and percent-encoded paths, oversize bodies, invalid UTF-8, wrong types, huge numbers, nested logit_bias — must
// get no 5xx, only OpenAI-shaped errors, no reset connections, a server that still answers, and flat memory.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { heapGrowthAcross, sendInBatches } from '../testing/load.ts';
import { createKey, postJson, sendRaw, type RawRequest } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

const MAX_BODY_BYTES = 64 * 1024;
let served: TestServer;
let apiKey: string;
const unexpectedErrors: unknown[] = [];
beforeAll(async () => {
  served = await startTestServer({ config: { maxBodyBytes: MAX_BODY_BYTES }, server: { onError: (error) => unexpectedErrors.push(error) } });
  apiKey = await createKey(served.store, { name: 'hostile' });
});
afterAll(async () => served.close());

/** A request before the server's address is known: a path under the origin, and the body as bytes. */
interface Hostile {
  kind: string;
  method: string;
  path: string;
  body?: Buffer | Buffer[];
  chunked?: boolean;
  contentType?: string;
}

const CHAT_BASE = '"model":"bard-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":2';
const COMPLETION_BASE = '"model":"bard-mini","prompt":"x","max_tokens":2';
const jsonPost = (kind: string, path: string, text: string): Hostile => ({ kind, method: 'POST', path, body: Buffer.from(text) });
const withField = (field: string, valueText: string): Hostile =>
  field === 'messages' ? jsonPost('field', '/v1/chat/completions', `{"model":"bard-mini","messages":${valueText}}`) : jsonPost('field', '/v1/completions', `{${COMPLETION_BASE},"${field}":${valueText}}`);

/** `[[[…]]]` or `{"a":{"a":…1}}`, closed or left open, within the body limit. */
const nested = fc.record({ levels: fc.integer({ min: 2, max: 12_000 }), brackets: fc.boolean(), closed: fc.boolean() }).map(({ levels, brackets, closed }) =>
  brackets ? '['.repeat(levels) + (closed ? ']'.repeat(levels) : '') : '{"a":'.repeat(levels) + '1' + (closed ? '}'.repeat(levels) : ''),
);
const deepNesting = fc
  .record({ field: fc.constantFrom('messages', 'prompt', 'stop', 'logit_bias', 'stream_options'), value: nested, inContent: fc.boolean() })
  .map(({ field, value, inContent }) => (inContent ? jsonPost('nesting', '/v1/chat/completions', `{"model":"bard-mini","messages":[{"role":"user","content":${value}}]}`) : { ...withField(field, value), kind: 'nesting' }));

const PATH_PIECES = ['v1', 'models', 'completions', 'chat', 'bard-mini', 'health', '%', '%E0%A4%A', '%ZZ', '%00', '%2F', '%2e%2e', '..', '%C0%AF', '%FF', '%F0%9F%98', '~', ';x=1', '', 'a'.repeat(400)];
const oddPath = fc
  .record({ pieces: fc.array(fc.constantFrom(...PATH_PIECES), { minLength: 1, maxLength: 5 }), query: fc.constantFrom('', '?x=%ZZ', '?model=%00', '?a=1&a=2'), method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS') })
  .map(({ pieces, query, method }): Hostile => ({ kind: 'path', method, path: `/${pieces.join('/')}${query}`, ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: Buffer.from(`{${COMPLETION_BASE}}`) }) }));

const oversize = fc.record({ factor: fc.double({ min: 1.01, max: 3, noNaN: true }), chunked: fc.boolean() }).map(({ factor, chunked }): Hostile => {
  const body = Buffer.from(`{${COMPLETION_BASE},"stop":"${'y'.repeat(Math.ceil(MAX_BODY_BYTES * factor))}"}`);
  return { kind: 'oversize', method: 'POST', path: '/v1/completions', body: Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) => body.subarray(i * 16_384, (i + 1) * 16_384)), chunked };
});

const BAD_UTF8 = [[0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]];
const invalidUtf8 = fc.record({ bytes: fc.constantFrom(...BAD_UTF8), before: fc.string({ maxLength: 20 }), chat: fc.boolean() }).map(({ bytes, before, chat }): Hostile => {
  const text = JSON.stringify(before).slice(1, -1);
  const [head, tail] = chat ? [`{"model":"bard-mini","messages":[{"role":"user","content":"${text}`, '"}]}'] : [`{"model":"bard-mini","prompt":"${text}`, '"}'];
  return { kind: 'utf8', method: 'POST', path: chat ? '/v1/chat/completions' : '/v1/completions', body: Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]) };
});

const FIELDS = ['model', 'prompt', 'messages', 'max_tokens', 'temperature', 'top_p', 'top_k', 'n', 'stop', 'seed', 'logit_bias', 'logprobs', 'top_logprobs', 'stream', 'stream_options', 'echo', 'suffix', 'tools', 'best_of', 'user'];
const wrongTypes = fc.record({ field: fc.constantFrom(...FIELDS), value: fc.jsonValue({ maxDepth: 3 }) }).map(({ field, value }) => ({ ...withField(field, JSON.stringify(value)), kind: 'types' }));

const HUGE_NUMBERS = ['1e999', '-1e999', '1E400', '1e308', '-1e308', '123456789012345678901234567890', '1e-999', '-0', '9007199254740993', '0.0000001', '-1'];
const NUMBER_FIELDS = ['temperature', 'max_tokens', 'top_p', 'top_k', 'seed', 'frequency_penalty', 'presence_penalty', 'logprobs', 'n', 'best_of'];
const hugeNumbers = fc
  .record({ field: fc.constantFrom(...NUMBER_FIELDS, 'top_logprobs', 'max_completion_tokens'), number: fc.constantFrom(...HUGE_NUMBERS) })
  .map(({ field, number }) => (field === 'top_logprobs' || field === 'max_completion_tokens' ? jsonPost('numbers', '/v1/chat/completions', `{${CHAT_BASE},"logprobs":true,"${field}":${number}}`) : { ...withField(field, number), kind: 'numbers' }));

const nestedLogitBias = fc
  .dictionary(fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }).map(String), fc.string({ maxLength: 6 })), fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.double()), { minKeys: 1, maxKeys: 4 })
  .map((bias) => jsonPost('logit_bias', '/v1/completions', `{${COMPLETION_BASE},"logit_bias":${JSON.stringify(bias)}}`));

const hostileRequest = fc.oneof(
  { weight: 3, arbitrary: deepNesting },
  { weight: 2, arbitrary: oddPath },
  { weight: 1, arbitrary: oversize },
  { weight: 2, arbitrary: invalidUtf8 },
  { weight: 2, arbitrary: wrongTypes },
  { weight: 2, arbitrary: hugeNumbers },
  { weight: 2, arbitrary: nestedLogitBias },
);

const PARALLEL_REQUESTS = 16;

function toRawRequest(hostile: Hostile): RawRequest {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (hostile.body) headers['content-type'] = hostile.contentType ?? 'application/json';
  return { url: `${served.url}${hostile.path}`, method: hostile.method, headers, ...(hostile.body ? { body: hostile.body } : {}), ...(hostile.chunked ? { chunked: true } : {}) };
}

/** Sends `count` seeded requests; throws on the first that breaks a rule; returns statuses seen per kind. */
async function fire(count: number, seed: number): Promise<Map<string, Set<number>>> {
  const seen = new Map<string, Set<number>>();
  const requests = fc.sample(hostileRequest, { numRuns: count, seed });
  const send = async (hostile: Hostile, index: number) => {
    const answer = await sendRaw(toRawRequest(hostile));
    const describe = () => `request ${index} (${hostile.kind} ${hostile.method} ${hostile.path.slice(0, 120)}) → ${answer.status} ${answer.errorCode ?? ''} ${answer.body.slice(0, 300)}`;
    if (answer.errorCode !== null || answer.status === 0 || answer.status >= 500) throw new Error(describe());
    if (!seen.has(hostile.kind)) seen.set(hostile.kind, new Set());
    seen.get(hostile.kind)!.add(answer.status);
    if (answer.status < 400) return;
    if (answer.headers['x-request-id'] === undefined || !isOpenAiErrorBody(answer.body)) throw new Error(`not an OpenAI error: ${describe()}`);
  };
  await sendInBatches(requests, PARALLEL_REQUESTS, send);
  return seen;
}

function isOpenAiErrorBody(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (body === null || typeof body !== 'object' || Object.keys(body).join() !== 'error') return false;
  const error = (body as { error: Record<string, unknown> }).error;
  const stringOrNull = (value: unknown) => value === null || typeof value === 'string';
  return Object.keys(error).sort().join() === 'code,message,param,type' && typeof error.message === 'string' && error.message.length > 0 && typeof error.type === 'string' && stringOrNull(error.param) && stringOrNull(error.code);
}

it('answers ~1,000 seeded hostile requests without a 5xx or a reset, in OpenAI error form, with memory flat', async () => {
  // The usage log is flushed inside the measurement, so its buffered rows do not count as growth.
  const { result: seen, growthBytes } = await heapGrowthAcross(() => fire(200, 1), () => fire(1_000, 2).finally(() => served.store.requests.flush()));
  expect(unexpectedErrors).toEqual([]);
  expect([...seen.get('nesting')!]).toEqual(expect.arrayContaining([400]));
  expect([...seen.get('oversize')!]).toEqual([413]);
  expect([...seen.get('utf8')!]).toEqual([400]);
  expect(seen.size).toBe(7);
  expect(growthBytes).toBeLessThan(8 * 1024 * 1024);
  expect((await fetch(`${served.url}/health`)).status).toBe(200);
  const valid = await postJson(`${served.baseURL}/completions`, { model: 'bard-mini', prompt: 'x', max_tokens: 2 }, { authorization: `Bearer ${apiKey}` });
  expect(valid.status).toBe(200);
});
