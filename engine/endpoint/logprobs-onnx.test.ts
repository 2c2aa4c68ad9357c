// Logprobs of a real byte-level BPE model (a tiny random GPT-2 over a small vocabulary, in worker threads) on text
// with accents: a token that ends inside a character is listed with its own bytes ("bytes:\x.." as OpenAI writes
// it), never as an empty token or U+FFFD, so the chosen tokens' bytes join to the reply; completions list every one
// of the top alternatives, however many share a text.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OnnxTextGenerator } from '../inference/onnx-text-generator.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { Deployment } from './deployment.ts';
import { createOpenAiServer, type OpenAiServer } from './openai-server.ts';
import { postJson } from './testing/http-helpers.ts';

interface LogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

let fixture: TinyModelFolder;
let generator: OnnxTextGenerator;
let server: OpenAiServer;
let url: string;

beforeAll(async () => {
  fixture = writeTinyModelFolder({ noise: 0.3, blockSize: 128 });
  generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 2, log: () => undefined });
  await generator.whenReady();
  const deployment = new Deployment({ generator, maxBatchSize: 2, maxQueue: 4, defaults: { temperature: 1, topP: 1, topK: 0, maxTokens: 16 } });
  server = createOpenAiServer({ config: { port: 0, auth: 'none' }, deployments: [deployment], store: null, onWarning: () => undefined });
  url = (await server.listen()).url;
});
afterAll(async () => {
  await server.close();
  await generator.close();
  fixture.remove();
});

it('lists each chosen token with its own bytes, and alternatives that end inside a character as their bytes', async () => {
  let partial = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const response = await postJson(`${url}/v1/chat/completions`, { model: 'tiny', messages: [{ role: 'user', content: 'Café naïve über' }], max_tokens: 40, seed, logprobs: true, top_logprobs: 5 });
    const body = (await response.json()) as { choices: { message: { content: string }; logprobs: { content: LogprobEntry[] } }[] };
    const [choice] = body.choices;
    const entries = choice!.logprobs.content;
    expect(Buffer.from(entries.flatMap((entry) => entry.bytes)).toString('utf8')).toBe(choice!.message.content);
    for (const entry of [...entries, ...entries.flatMap((entry) => entry.top_logprobs)]) {
      expect(entry.bytes.length, JSON.stringify(entry)).toBeGreaterThan(0);
      expect(entry.token).not.toBe('\uFFFD');
      if (entry.token.startsWith('bytes:')) {
        partial++;
        expect(entry.token).toBe(`bytes:${entry.bytes.map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}`);
      } else {
        expect(entry.token).toBe(Buffer.from(entry.bytes).toString('utf8'));
      }
    }
  }
  expect(partial, 'the small vocabulary spells accents in single bytes').toBeGreaterThan(0);
});

it('gives every completion position all of its top alternatives', async () => {
  const response = await postJson(`${url}/v1/completions`, { model: 'tiny', prompt: 'Café naïve über', max_tokens: 30, seed: 3, logprobs: 5 });
  const body = (await response.json()) as { choices: { logprobs: { tokens: string[]; top_logprobs: Record<string, number>[] } }[] };
  const { tokens, top_logprobs: tops } = body.choices[0]!.logprobs;
  expect(tops).toHaveLength(tokens.length);
  for (const top of tops) expect(Object.keys(top)).toHaveLength(5);
  expect(tokens.some((token) => token === '')).toBe(false);
});
