// A request that leaves max_tokens out: with the deploy node's default left empty it may run to the end of the
// context, as OpenAI's chat does (chat clients leave it out); a default the node sets still caps it.
import { afterEach, expect, it } from 'vitest';
import { postJson } from './testing/http-helpers.ts';
import { DEFAULT_SAMPLING, startTestServer, type TestServer } from './testing/serving-harness.ts';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

interface Reply {
  choices: { finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

async function chatWithoutMaxTokens(defaults: typeof DEFAULT_SAMPLING | (Omit<typeof DEFAULT_SAMPLING, 'maxTokens'> & { maxTokens: null })): Promise<Reply> {
  server = await startTestServer({ config: { auth: 'none' }, deployment: { defaults } });
  // The bigram model's end of text is id 0: banned, so only the length can end the reply.
  const response = await postJson(`${server.baseURL}/chat/completions`, { model: 'bard-mini', messages: [{ role: 'user', content: 'First Citizen' }], seed: 1, logit_bias: { 0: -100 } });
  expect(response.status).toBe(200);
  return (await response.json()) as Reply;
}

it('runs to the end of the context when neither the request nor the deploy node sets a length', async () => {
  const reply = await chatWithoutMaxTokens({ ...DEFAULT_SAMPLING, maxTokens: null });
  expect(reply.choices[0]!.finish_reason).toBe('length');
  expect(reply.usage.prompt_tokens + reply.usage.completion_tokens).toBe(server!.deployment.contextLength);
});

it("stops at the deploy node's default length when it sets one", async () => {
  const reply = await chatWithoutMaxTokens({ ...DEFAULT_SAMPLING, maxTokens: 5 });
  expect([reply.choices[0]!.finish_reason, reply.usage.completion_tokens]).toEqual(['length', 5]);
});
