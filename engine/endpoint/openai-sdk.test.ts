// The server driven by the official openai npm client: models, chat and text completions (whole and streamed), the
// SDK's error classes, and its retries on 429 and 503 honouring retry-after-ms.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE } from './chat-template.ts';
import { createKey, openStream, waitForUsageRows } from './testing/http-helpers.ts';
import { startTestServer, type TestServer } from './testing/serving-harness.ts';

const MODEL = 'bard-mini';
/** Well above the SDK's own first backoff (at most 500 ms), so the gap proves the header was read. */
const RETRY_AFTER_MS = 1_200;
let served: TestServer;
let client: OpenAI;
let apiKey: string;

beforeAll(async () => {
  served = await startTestServer({ config: { pricing: { promptPer1k: 1, completionPer1k: 2, currency: 'EUR' } }, server: { concurrencyRetryAfterMs: RETRY_AFTER_MS } });
  apiKey = await createKey(served.store, { name: 'sdk' });
  client = new OpenAI({ apiKey, baseURL: served.baseURL, maxRetries: 0 });
});
afterAll(async () => served.close());

describe('the openai client, happy paths', () => {
  it('lists the deployed models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual([MODEL]);
  });

  it('answers a chat completion with usage counted from the chat template', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'Speak, speak.' }], max_tokens: 12, seed: 7 })
      .withResponse();
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const choice = data.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    const promptTokens = served.generator.tokenize('User: Speak, speak.\nAssistant:').length;
    expect(data.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: expect.any(Number), total_tokens: promptTokens + data.usage!.completion_tokens });
    expect(data.usage!.completion_tokens).toBeLessThanOrEqual(12);
    expect(DEFAULT_CHAT_TEMPLATE).toContain('Assistant:');
  });

  it('answers a text completion deterministically for a seed', async () => {
    const ask = (seed: number) => client.completions.create({ model: MODEL, prompt: 'First Citizen:', max_tokens: 24, seed, logit_bias: { '0': -100 } });
    const [first, again, other] = await Promise.all([ask(11), ask(11), ask(12)]);
    expect(first.object).toBe('text_completion');
    expect(first.choices[0]!.text).toBe(again.choices[0]!.text);
    expect(first.choices[0]!.text).not.toBe(other.choices[0]!.text);
    expect(first.choices[0]!.finish_reason).toBe('length');
    expect(first.usage).toEqual({ prompt_tokens: 14, completion_tokens: 24, total_tokens: 38 });
  });

  it('cuts the text before a stop string and reports finish_reason "stop"', async () => {
    const greedy = { model: MODEL, prompt: 'All:', max_tokens: 30, temperature: 0, logit_bias: { '0': -100 } };
    const full = (await client.completions.create(greedy)).choices[0]!.text;
    const stop = full.slice(5, 8);
    const cut = await client.completions.create({ ...greedy, stop: [stop] });
    expect(cut.choices[0]!.text).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0]!.finish_reason).toBe('stop');
  });

  it('honours logit_bias and returns logprobs with alternatives', async () => {
    const eId = served.generator.tokenize('e')[0]!;
    const result = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
      logit_bias: { [String(eId)]: 100 },
      logprobs: true,
      top_logprobs: 3,
    });
    expect(result.choices[0]!.message.content).toBe('eeeee');
    const content = result.choices[0]!.logprobs!.content!;
    expect(content).toHaveLength(5);
    expect(content[0]!.top_logprobs).toHaveLength(3);
    expect(content[0]!.top_logprobs[0]!.token).toBe('e');
    expect(content[0]!.logprob).toBeCloseTo(0, 3);
  });

  it('streams a chat completion the way OpenAI does, usage chunk included', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Speak' }],
      max_tokens: 8,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const part of stream) chunks.push(part);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.every((part) => part.object === 'chat.completion.chunk' && 'usage' in part)).toBe(true);
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    const lastContent = chunks.at(-2)!;
    expect(lastContent.choices[0]!.finish_reason).not.toBeNull();
    expect(chunks.slice(0, -2).every((part) => part.choices[0]!.finish_reason === null && part.usage === null)).toBe(true);
    const text = chunks.map((part) => part.choices[0]?.delta.content ?? '').join('');
    expect(usageChunk.usage!.completion_tokens).toBe([...text].length);
  });
});

describe('the openai client, errors', () => {
  it('raises AuthenticationError for an unknown key', async () => {
    const stranger = new OpenAI({ apiKey: 'sk-not-a-real-key-123456', baseURL: served.baseURL, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('raises NotFoundError for an unknown model', async () => {
    const error = await client.completions.create({ model: 'nope', prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('raises BadRequestError for a bad field and for an over-long request, never truncating', async () => {
    const hot = await client.completions.create({ model: MODEL, prompt: 'x', temperature: 2.5 }).catch((e: unknown) => e);
    expect(hot).toBeInstanceOf(OpenAI.BadRequestError);
    expect((hot as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
    const long = await client.completions.create({ model: MODEL, prompt: 'x'.repeat(100), max_tokens: 29 }).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(OpenAI.BadRequestError);
    expect((long as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expect((long as Error).message).toContain("This model's maximum context length is 128 tokens. However, you requested 129 tokens (100 in your prompt; 29 for the completion).");
  });

  it('raises PermissionDeniedError for a model outside the key scope', async () => {
    const scoped = new OpenAI({ apiKey: await createKey(served.store, { name: 'scoped', models: ['other-model'] }), baseURL: served.baseURL, maxRetries: 0 });
    await expect(scoped.completions.create({ model: MODEL, prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((await scoped.models.list()).data).toEqual([]);
  });

  it('raises RateLimitError with retry-after when a key is over its requests per minute', async () => {
    const limited = new OpenAI({ apiKey: await createKey(served.store, { name: 'one-rpm', rpm: 1 }), baseURL: served.baseURL, maxRetries: 0 });
    await limited.completions.create({ model: MODEL, prompt: 'x', max_tokens: 1 });
    const error = await limited.completions.create({ model: MODEL, prompt: 'x', max_tokens: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (error as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(50);
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });
});

/** A client that records every response status and when it arrived, and can react to one. */
function watchedClient(key: string, baseURL: string, onStatus: (status: number) => void) {
  const seen: { status: number; atMs: number }[] = [];
  const fetchWatched: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    seen.push({ status: response.status, atMs: performance.now() });
    onStatus(response.status);
    return response;
  };
  return { seen, client: new OpenAI({ apiKey: key, baseURL, maxRetries: 2, fetch: fetchWatched }) };
}

describe('the openai client, retries', () => {
  it('retries a 429 for concurrency after retry-after-ms and then succeeds', async () => {
    const key = await createKey(served.store, { name: 'single-flight', concurrency: 1 });
    served.generator.tokenDelayMs = 20;
    const holder = await openStream(`${served.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key);
    // The first 429 makes the holder hang up, which frees the key's only slot before the SDK retries.
    const { seen, client: retrying } = watchedClient(key, served.baseURL, (status) => status === 429 && holder.abort());
    // The end-of-text token (id 0) is banned, so the completion cannot end before its first token.
    const result = await retrying.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2, logit_bias: { '0': -100 } });
    served.generator.tokenDelayMs = 0;
    expect(result.choices[0]!.text.length).toBeGreaterThan(0);
    expect(seen.map((response) => response.status)).toEqual([429, 200]);
    expect(seen[1]!.atMs - seen[0]!.atMs).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 50);
  });

  it('retries a 503 from a full queue after retry-after-ms and then succeeds', async () => {
    const busy = await startTestServer({ deployment: { maxBatchSize: 1, maxQueue: 0, retryAfterMs: RETRY_AFTER_MS }, generator: { tokenDelayMs: 20 } });
    try {
      const key = await createKey(busy.store, { name: 'k' });
      const holder = await openStream(`${busy.baseURL}/completions`, { model: MODEL, prompt: 'x', max_tokens: 100 }, key);
      const { seen, client: retrying } = watchedClient(key, busy.baseURL, (status) => status === 503 && holder.abort());
      await retrying.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2 });
      expect(seen.map((response) => response.status)).toEqual([503, 200]);
      expect(seen[1]!.atMs - seen[0]!.atMs).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 50);
    } finally {
      await busy.close();
    }
  });

  it('does not retry an exhausted budget (x-should-retry: false)', async () => {
    const key = await createKey(served.store, { name: 'tiny-budget', budget: 0.001, period: 'day' });
    const { seen, client: retrying } = watchedClient(key, served.baseURL, () => undefined);
    await retrying.completions.create({ model: MODEL, prompt: 'First Citizen:', max_tokens: 2 });
    // Its spend counts from its row, queued when the response closes (maybe just after the client read it); until then
    // its hold stands in, and that refusal says to retry once running requests finish.
    await waitForUsageRows(served.store, 1, 'tiny-budget');
    const error = await retrying.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect(seen.map((response) => response.status)).toEqual([200, 429]);
  });
});
