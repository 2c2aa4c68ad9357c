// The harness's log-likelihood request against a real ONNX deployment (a tiny random GPT-2 folder in worker threads):
// the prompt's logprobs are the runtime's prompt scores, the generated token closes the list, a continuation equal to
// greedy decoding reads as greedy and another does not — floats compared exactly, as the harness compares them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { Deployment } from './deployment.ts';
import { createOpenAiServer, type OpenAiServer } from './openai-server.ts';
import { postJson } from './testing/http-helpers.ts';
import { DEFAULT_SAMPLING } from './testing/serving-harness.ts';

let fixture: TinyModelFolder;
let generator: OnnxTextGenerator;
let server: OpenAiServer;
let url: string;

beforeAll(async () => {
  fixture = writeTinyModelFolder({ noise: 0.3 });
  generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 4, log: () => undefined });
  await generator.whenReady();
  const deployment = new Deployment({ generator, maxBatchSize: 4, maxQueue: 8, defaults: DEFAULT_SAMPLING });
  server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [deployment], store: null, onWarning: () => undefined });
  ({ url } = await server.listen());
});
afterAll(async () => {
  await server.close();
  await generator.close();
  fixture.remove();
});

interface Choice {
  index: number;
  logprobs: { tokens: string[]; token_logprobs: (number | null)[]; top_logprobs: (Record<string, number> | null)[] };
}

async function harnessRequest(prompts: number[][]): Promise<Choice[]> {
  const response = await postJson(`${url}/v1/completions`, { model: 'tiny', prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
  expect(response.status).toBe(200);
  return ((await response.json()) as { choices: Choice[] }).choices;
}

const isGreedy = (choice: Choice, contextLength: number) =>
  (choice.logprobs.token_logprobs.slice(contextLength, -1) as number[]).every((value, index) => value === Math.max(...Object.values(choice.logprobs.top_logprobs[contextLength + index]!)));

describe('echo with prompt logprobs from an ONNX deployment', () => {
  it("lists the runtime's prompt scores, then the generated token", async () => {
    const context = generator.tokenize('First Citizen: hear me');
    const prompt = [...context, ...generator.tokenize(' speak')];
    const [choice] = await harnessRequest([prompt]);
    const scored = await generator.scorePrompt(prompt, 1, new AbortController().signal);
    expect(choice!.logprobs.tokens).toHaveLength(prompt.length + 1);
    expect(choice!.logprobs.token_logprobs.slice(0, prompt.length)).toEqual(scored.tokens.map((token) => token.logprob));
    expect(choice!.logprobs.token_logprobs[0]).toBeNull();
  });

  it('reads a greedy continuation as greedy and another as not', async () => {
    const context = generator.tokenize('All: Speak');
    const greedy: number[] = [...context];
    for (let step = 0; step < 3; step++) {
      const scored = await generator.scorePrompt(greedy, 1, new AbortController().signal);
      greedy.push(scored.endOfText!.topLogprobs[0]!.tokenId);
    }
    const other = [...context, ...greedy.slice(context.length)];
    other[context.length + 1] = (other[context.length + 1]! + 1) % fixture.config.vocabSize;
    const choices = await harnessRequest([greedy, other]);
    expect(choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(isGreedy(choices[0]!, context.length)).toBe(true);
    expect(isGreedy(choices[1]!, context.length)).toBe(false);
  });
});
