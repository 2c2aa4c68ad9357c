// End to end: a tiny ONNX model folder served as `crucible serve` does (deploy + endpoint, real workers, real
// HTTP on 127.0.0.1), driven by the official openai client — healthy once it resolves, a streamed chat with usage,
// concurrent seeded requests that equal sequential ones through the whole server, and a damaged folder refused
// with one message naming the file before any endpoint opens.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { createKey } from '../endpoint/testing/http-helpers.ts';
import { ServingStore } from '../endpoint/store/serving-store.ts';
import { serveModelFolder, type ServedModelFolder } from './serve-model-folder.ts';

const MODEL = 'tiny-bard';
let fixture: TinyModelFolder;
let dataDir: string;
let served: ServedModelFolder;
let client: OpenAI;

beforeAll(async () => {
  // A long context, so the crash test's stream can run far longer than the crash takes to land: 50 tokens of this
  // tiny model take a few ms on a fast CPU, and all of them could arrive before the worker crashed.
  fixture = writeTinyModelFolder({ blockSize: 4096 });
  dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-serve-'));
  served = await serveModelFolder({ modelDir: fixture.folder, deploy: { name: MODEL, maxBatchSize: 8 }, endpoint: { port: 0 }, dataDir, log: () => undefined });
  const store = ServingStore.open({ dataDir });
  const apiKey = await createKey(store, { name: 'e2e' });
  await store.close();
  client = new OpenAI({ apiKey, baseURL: `${served.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await served.stop();
  fixture.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('serving a model folder', () => {
  it('opens the endpoint only once the workers have the model: /health is 200 as soon as it resolves', async () => {
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
    expect((await client.models.list()).data.map((model) => model.id)).toEqual([MODEL]);
  });

  it('streams a chat completion to the openai client, matching the same request unstreamed', async () => {
    // End of text banned, so the reply cannot be empty whatever the CPU's kernels make of the logits.
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'Speak, speak.' }], max_tokens: 10, seed: 5, temperature: 1, logit_bias: { '0': -100 } };
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const usage = chunks.at(-1)!.usage!;
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason !== undefined && chunk.choices[0]?.finish_reason !== null)).toBe(true);
    const whole = await client.chat.completions.create(request);
    expect(whole.choices[0]!.message.content).toBe(content);
    expect(whole.usage).toEqual(usage);
    expect(usage.completion_tokens).toBeGreaterThan(0);
  });

  it('gives concurrent seeded completions the text they get one at a time', async () => {
    const prompts = ['First Citizen:', 'All: Speak', 'You are all resolved', 'Caius Marcius'];
    const ask = (prompt: string, index: number) => client.completions.create({ model: MODEL, prompt, max_tokens: 12, seed: 40 + index, temperature: 0.9 });
    const sequential: string[] = [];
    for (const [index, prompt] of prompts.entries()) sequential.push((await ask(prompt, index)).choices[0]!.text);
    const concurrent = await Promise.all(prompts.map(async (prompt, index) => (await ask(prompt, index)).choices[0]!.text));
    expect(concurrent).toEqual(sequential);
  });

  it('ends an in-flight stream with a server error when its worker crashes, then serves again after the restart', async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: 'All:', max_tokens: 4_000, logit_bias: { '0': -100 }, stream: true });
    const reading = (async () => {
      let chunks = 0;
      for await (const chunk of stream) {
        chunks += 1;
        if (chunks === 1) served.live.generator.replicas[0]!.crashForTesting();
        expect(chunk.choices[0]?.finish_reason ?? null).toBeNull();
      }
    })();
    await expect(reading).rejects.toThrow(/inference worker crashed/);
    await served.live.generator.whenReady();
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
    const after = await client.completions.create({ model: MODEL, prompt: 'All:', max_tokens: 5, logit_bias: { '0': -100 } });
    expect(after.usage!.completion_tokens).toBe(5);
  });
});

describe('serving a damaged model folder', () => {
  it('rejects with one message naming model.safetensors (not the ONNX decoder), logs nothing more and opens no endpoint', async () => {
    const broken = writeTinyModelFolder();
    const weightsPath = path.join(broken.folder, 'model.safetensors');
    const weights = readFileSync(weightsPath);
    weights.fill(0xff, 8, 40);
    writeFileSync(weightsPath, weights);
    const logged: string[] = [];
    try {
      const serving = serveModelFolder({ modelDir: broken.folder, deploy: { name: 'broken', device: 'cpu' }, endpoint: { port: 0 }, dataDir, log: (line) => logged.push(line) });
      await expect(serving).rejects.toThrow(`broken#0: could not load the model: ${weightsPath}: the header is not JSON: it holds binary data; the file is damaged or not a safetensors file — re-export or re-download it`);
      expect(logged).toEqual([]);
    } finally {
      broken.remove();
    }
  });
});
