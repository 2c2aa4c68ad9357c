// What a 400 says about a bad field: the real range of numeric fields (1e999, 1e308), what a logit_bias must hold,
// and an empty prompt that the model cannot start from, refused before generating so clients do not retry it.
import OpenAI from 'openai';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeZodIssues, previewValue } from '../../app/graph/zod-issues.ts';
import { createKey, sendRaw, waitForUsageRows } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

let served: TestServer;
let apiKey: string;
beforeAll(async () => {
  served = await startTestServer();
  apiKey = await createKey(served.store, { name: 'validation' });
});
afterAll(async () => served.close());

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Posts JSON text as written, so numbers like 1e999 reach the server unrounded. */
async function postText(path: string, text: string, server: TestServer = served, key: string = apiKey): Promise<{ status: number; error: ErrorBody['error'] }> {
  const answer = await sendRaw({ url: `${server.baseURL}${path}`, body: Buffer.from(text), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
  return { status: answer.status, error: (JSON.parse(answer.body) as ErrorBody).error };
}

describe('numeric fields', () => {
  it('says temperature 1e999 (Infinity to JSON.parse) must be a finite number from 0 to 2', async () => {
    const { status, error } = await postText('/completions', '{"model":"bard-mini","prompt":"x","temperature":1e999}');
    expect(status).toBe(400);
    expect(error).toEqual({ type: 'invalid_request_error', code: 'invalid_request_error', param: 'temperature', message: "Invalid value for 'temperature': got Infinity; temperature must be a finite number from 0 to 2." });
  });

  it('cites max_tokens\' real limit for 1e308, not the safe-integer bound', async () => {
    const { error } = await postText('/chat/completions', '{"model":"bard-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":1e308}');
    expect(error.param).toBe('max_tokens');
    expect(error.message).toBe("Invalid value for 'max_tokens': got 1e+308; max_tokens must be an integer from 1 to 1000000000.");
    expect(error.message).not.toContain('9007199254740991');
  });

  it("takes OpenAI's int64 seeds, a Python client's 63-bit random one included", async () => {
    for (const seed of ['9223372036854775807', '-9223372036854775808', '12345']) {
      const { status } = await postText('/completions', `{"model":"bard-mini","prompt":"x","max_tokens":2,"seed":${seed}}`);
      expect([seed, status]).toEqual([seed, 200]);
    }
  });

  it('words every ranged field the same way, wrong types included', async () => {
    const cases = [
      { field: 'top_p', value: '"high"', rule: 'a finite number from 0 to 1' },
      { field: 'presence_penalty', value: '-1e999', rule: 'a finite number from -2 to 2' },
      { field: 'top_k', value: '2.5', rule: 'an integer from -1 to 1000000000' },
      { field: 'logprobs', value: '9', rule: 'an integer from 0 to 5' },
      { field: 'seed', value: '1e300', rule: 'an integer from -2^63 to 2^63' },
    ];
    for (const { field, value, rule } of cases) {
      const { status, error } = await postText('/completions', `{"model":"bard-mini","prompt":"x","${field}":${value}}`);
      expect(status).toBe(400);
      expect(error.message).toContain(`; ${field} must be ${rule}.`);
    }
  });
});

describe('logit_bias', () => {
  const RULE = 'logit_bias must be an object whose keys are token ids (strings of digits, like "50256") and whose values are numbers from -100 to 100';

  it('says what a value must be for a nested logit_bias, never "[object Object]"', async () => {
    const { status, error } = await postText('/completions', '{"model":"bard-mini","prompt":"x","logit_bias":{"5":{"a":{"b":[1,2,{"c":3}]}}}}');
    expect(status).toBe(400);
    expect(error.param).toBe('logit_bias.5');
    expect(error.message).toContain(RULE);
    expect(error.message).toContain('got {"a":{"b":[1,2,{"c":3}]}}');
    expect(error.message).not.toContain('[object Object]');
  });

  it('says the same for a key that is not a token id, a list, or a value out of range', async () => {
    for (const bias of ['{"hello":1}', '[[1]]', '{"5":101}', '{"5":1e999}']) {
      const { status, error } = await postText('/completions', `{"model":"bard-mini","prompt":"x","logit_bias":${bias}}`);
      expect(status).toBe(400);
      expect(error.message).toContain(RULE);
    }
  });
});

describe('message previews', () => {
  it('previews values of any depth without recursing, and numbers JSON cannot write', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    const schema = z.object({ stop: z.string() });
    const [message] = describeZodIssues(schema.safeParse({ stop: deep }).error!, { stop: deep });
    expect(message!.message).toMatch(/^\[\{"a":\[\{"a":.*\.\.\. must be a string$/);
    expect(previewValue(Infinity)).toBe('Infinity');
    expect(previewValue(Number.NaN)).toBe('NaN');
    expect(previewValue(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(previewValue({ a: [1, 'two', null] })).toBe('{"a":[1,"two",null]}');
    expect(previewValue('x'.repeat(100))).toBe(`"${'x'.repeat(36)}...`);
  });
});

describe('an empty prompt', () => {
  let bare: TestServer;
  let bareKey: string;
  beforeAll(async () => {
    // No end-of-text token, and a chat template that renders nothing.
    bare = await startTestServer({ generator: { modelId: 'bare', endOfTextToken: false, chatTemplate: '{% for message in messages %}{% endfor %}' } });
    bareKey = await createKey(bare.store, { name: 'bare' });
  });
  afterAll(async () => bare.close());

  it('is refused with a 400 naming the reason when the model has no start token, and the openai client does not retry', async () => {
    const client = new OpenAI({ apiKey: bareKey, baseURL: bare.baseURL, maxRetries: 2 });
    const failure = await client.completions.create({ model: 'bare', prompt: '', max_tokens: 3 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, param: 'prompt', code: 'empty_prompt' });
    expect((failure as Error).message).toContain("Invalid 'prompt': the prompt is empty and model `bare` has no beginning- or end-of-text token to start from; send at least one token of prompt.");
    // Its row is queued when the response closes, which may come just after the client has read it; one row, no retry.
    await waitForUsageRows(bare.store, 1);
    await bare.store.requests.flush();
    expect((await bare.store.requests.report()).totals.requests).toBe(1);
  });

  it('is refused for chat messages that the template renders to nothing', async () => {
    const { status, error } = await postText('/chat/completions', '{"model":"bare","messages":[{"role":"user","content":"hi"}]}', bare, bareKey);
    expect(status).toBe(400);
    expect(error).toMatchObject({ param: 'messages', code: 'empty_prompt', message: expect.stringContaining('the chat template rendered the messages to no tokens') });
  });

  it('counts the start token against the context: max_tokens equal to the context is refused, one less is served', async () => {
    const context = served.deployment.contextLength;
    const { status, error } = await postText('/completions', `{"model":"bard-mini","prompt":"","max_tokens":${context}}`);
    expect(status).toBe(400);
    expect(error).toMatchObject({ param: 'prompt', code: 'context_length_exceeded' });
    expect(error.message).toContain(`However, you requested ${context + 1} tokens (1, the start token an empty prompt begins from; ${context} for the completion).`);
    const client = new OpenAI({ apiKey, baseURL: served.baseURL, maxRetries: 0 });
    const completion = await client.completions.create({ model: 'bard-mini', prompt: '', max_tokens: context - 1, seed: 1 });
    expect(completion.choices).toHaveLength(1);
  });

  it('still generates from the end-of-text token on a model that has one', async () => {
    const client = new OpenAI({ apiKey, baseURL: served.baseURL, maxRetries: 0 });
    const completion = await client.completions.create({ model: 'bard-mini', prompt: '', max_tokens: 3, seed: 1 });
    expect(completion.choices).toHaveLength(1);
  });
});
