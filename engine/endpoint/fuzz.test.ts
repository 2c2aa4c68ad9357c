// 5,000 malformed requests — bad JSON, wrong types, huge strings and numbers, wrong headers — must each get a 4xx,
// leave the server answering, and leave its memory flat.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { heapGrowthAcross, sendInBatches } from '../testing/load.ts';
import { createKey } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

let served: TestServer;
let apiKey: string;
beforeAll(async () => {
  served = await startTestServer({ config: { maxBodyBytes: 64 * 1024 } });
  apiKey = await createKey(served.store, { name: 'fuzz' });
});
afterAll(async () => served.close());

const FIELD_NAMES = ['model', 'prompt', 'messages', 'max_tokens', 'temperature', 'top_p', 'top_k', 'n', 'stop', 'seed', 'logit_bias', 'logprobs', 'top_logprobs', 'stream', 'stream_options', 'presence_penalty', 'frequency_penalty', 'echo', 'suffix', 'tools'];
const weirdValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('x'.repeat(70_000), 'bard-mini', '__proto__', '', '\u0000'),
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, 0, 3, 1e9, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 4 }),
);

/** A body that must be refused: a required field missing or wrong, or a known field out of its range. */
const badBody = fc.record({
  base: fc.constantFrom<Record<string, unknown>>({ model: 'bard-mini', prompt: 'x' }, { model: 'bard-mini', messages: [{ role: 'user', content: 'hi' }] }, {}),
  breakField: fc.constantFrom('model', 'max_tokens', 'temperature', 'top_p', 'n', 'messages', 'top_logprobs'),
  value: weirdValue,
  extras: fc.dictionary(fc.constantFrom(...FIELD_NAMES), weirdValue, { maxKeys: 3 }),
});

/** Fields a completion request ignores, so breaking them there proves nothing. */
const CHAT_ONLY = new Set(['messages', 'top_logprobs']);

const VALID_FOR: Record<string, (value: unknown) => boolean> = {
  model: (value) => value === 'bard-mini',
  max_tokens: (value) => value === null || (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 100),
  temperature: (value) => value === null || (typeof value === 'number' && value >= 0 && value <= 2),
  top_p: (value) => value === null || (typeof value === 'number' && value >= 0 && value <= 1),
  n: (value) => value === null || value === 1,
  top_logprobs: (value) => value === null || value === 0,
};

/** A completion's max_tokens 0 is valid with echo: true (score the prompt, generate nothing). */
const echoScoringOnly = ({ base, breakField, value, extras }: { base: Record<string, unknown>; breakField: string; value: unknown; extras: Record<string, unknown> }) =>
  !('prompt' in base && breakField === 'max_tokens' && value === 0 && extras.echo === true);

const malformedRequest = fc.oneof(
  { weight: 4, arbitrary: badBody.filter(({ base, breakField, value }) => 'messages' in base || !CHAT_ONLY.has(breakField)).filter(({ breakField, value }) => !(VALID_FOR[breakField]?.(value) ?? false)).filter(echoScoringOnly).map(({ base, breakField, value, extras }) => ({ path: 'messages' in base ? '/v1/chat/completions' : '/v1/completions', payload: JSON.stringify({ ...base, ...extras, [breakField]: value }), headers: { 'content-type': 'application/json' } })) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ path: '/v1/completions', payload: `{"model":${text}`, headers: { 'content-type': 'application/json' } })) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin-9000').map((type) => ({ path: '/v1/chat/completions', payload: 'model=bard-mini', headers: { 'content-type': type } })) },
  { weight: 1, arbitrary: fc.constantFrom('/v1/chat/completions', '/v1/completions').map((path) => ({ path, payload: JSON.stringify({ model: 'bard-mini', prompt: 'y'.repeat(70_000) }), headers: { 'content-type': 'application/json' } })) },
  { weight: 1, arbitrary: fc.constantFrom('[]', 'null', '"text"', '42', '{"__proto__":{"x":1}}').map((payload) => ({ path: '/v1/completions', payload, headers: { 'content-type': 'application/json' } })) },
);

/** Requests in flight at once; inject() mostly waits, so overlapping them keeps the test fast. */
const PARALLEL_REQUESTS = 25;

async function fire(count: number, seed: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const requests = fc.sample(malformedRequest, { numRuns: count, seed });
  const send = async (request: (typeof requests)[number], index: number) => {
    // Every tenth request gets a broken Authorization header instead of the key.
    const authorization = index % 10 === 0 ? 'Basic Zm9vOmJhcg==' : `Bearer ${apiKey}`;
    const response = await served.server.app.inject({ method: 'POST', url: request.path, payload: request.payload, headers: { ...request.headers, authorization } });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    if (response.statusCode < 400 || response.statusCode >= 500 || response.headers['x-request-id'] === undefined) {
      throw new Error(`request ${index} to ${request.path} got ${response.statusCode}: ${request.payload.slice(0, 300)} → ${response.body.slice(0, 300)}`);
    }
    const body = JSON.parse(response.body) as { error?: { message?: unknown; type?: unknown } };
    if (typeof body.error?.message !== 'string' || typeof body.error.type !== 'string') throw new Error(`request ${index}: not an OpenAI error body: ${response.body.slice(0, 300)}`);
  };
  await sendInBatches(requests, PARALLEL_REQUESTS, send);
  return statuses;
}

it('answers 5,000 malformed requests with 4xx only, stays up, and keeps memory flat', async () => {
  // The usage log is flushed inside the measurement, so its buffered rows do not count as growth.
  const { result: statuses, growthBytes } = await heapGrowthAcross(() => fire(500, 1), () => fire(4_500, 2).finally(() => served.store.requests.flush()));
  expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
  expect(statuses.size).toBeGreaterThanOrEqual(3);
  expect(growthBytes).toBeLessThan(8 * 1024 * 1024);
  const health = await fetch(`${served.url}/health`);
  expect(health.status).toBe(200);
  const real = await fetch(`${served.baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ model: 'bard-mini', prompt: 'x', max_tokens: 2 }) });
  expect(real.status).toBe(200);
});
