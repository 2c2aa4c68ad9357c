// The runtime through its worker threads: loading → ready, text pieces that add up to the decoded ids, concurrent
// seeded requests equal to sequential ones, an abort that ends a generation waiting for a token, and a worker crash that fails in-flight requests at once and restarts;
// a Llama folder quantized to int4 serves through the same path.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GenerationEvent, GenerationRequest } from './text-generator.ts';
import { OnnxTextGenerator } from './onnx-text-generator.ts';
import { quantizeModelFolder } from '../ml/quantize/quantize-model-folder.ts';
import { generationRequest } from './testing/generation-request.ts';
import { writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';

let fixture: TinyModelFolder;
let generator: OnnxTextGenerator;

beforeAll(() => {
  fixture = writeTinyModelFolder();
  generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 8, log: () => undefined });
});
afterAll(async () => {
  await generator.close();
  fixture.remove();
});

async function collect(request: GenerationRequest, from: OnnxTextGenerator = generator): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of from.generate(request, new AbortController().signal)) events.push(event);
  return events;
}

const tokenIds = (events: GenerationEvent[]) => events.flatMap((event) => (event.type === 'token' ? [event.tokenId] : []));

describe('OnnxTextGenerator', () => {
  it('loads in a worker, then generates tokens whose text pieces join to the decoded ids, and one finish', async () => {
    expect(generator.health()).toBe('loading');
    await generator.whenReady();
    expect(generator.health()).toBe('ready');
    expect(generator.specialTokens?.eos).toBe('<|endoftext|>');
    const eos = generator.tokenize('<|endoftext|>')[0]!;
    const events = await collect(generationRequest({ promptTokens: generator.tokenize('Café, naïve'), maxTokens: 20, temperature: 1, seed: 3, logitBias: new Map([[eos, -100]]), logprobs: true, topLogprobs: 3 }));
    const ids = tokenIds(events);
    expect(ids).toHaveLength(20);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length' });
    const text = events.map((event) => (event.type === 'token' ? event.text : '')).join('');
    expect(text).toBe(generator.detokenize(ids).replace(/\uFFFD+$/, ''));
    const first = events[0]!;
    if (first.type !== 'token') throw new Error('expected a token first');
    expect(first.topLogprobs).toHaveLength(3);
    expect(first.topLogprobs![0]!.text).toBe(generator.detokenize([first.topLogprobs![0]!.tokenId]));
    expect(first.logprob).toBeLessThanOrEqual(first.topLogprobs![0]!.logprob);
  });

  it('gives concurrent seeded requests the tokens they get one after another', async () => {
    await generator.whenReady();
    const requests = ['First', 'Speak, speak', 'hear me speak', 'All: You are'].map((text, index) =>
      generationRequest({ promptTokens: generator.tokenize(text), maxTokens: 10 + index, temperature: 1, seed: 77 + index }),
    );
    const sequential: number[][] = [];
    for (const request of requests) sequential.push(tokenIds(await collect(request)));
    const concurrent = await Promise.all(requests.map(async (request) => tokenIds(await collect(request))));
    expect(concurrent).toEqual(sequential);
  });

  it('ends a generation at once when it is aborted while waiting for a token (the slot and the caller move on)', async () => {
    await generator.whenReady();
    const request = generationRequest({ promptTokens: generator.tokenize('Speak, speak'), maxTokens: 40, temperature: 1, seed: 5 });
    const hung = (ms: number) => new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms));
    // Before its first token: next() runs the generator up to its wait, so the request is posted to the worker; the
    // abort comes in the same turn, before any message of the worker can be read (yielding a turn here let a fast
    // worker's first token in first).
    const early = new AbortController();
    const waiting = generator.generate(request, early.signal)[Symbol.asyncIterator]();
    const first = waiting.next();
    early.abort();
    expect(await Promise.race([first, hung(2000)])).toEqual({ done: true, value: undefined });
    // Between tokens.
    const late = new AbortController();
    const running = generator.generate(request, late.signal)[Symbol.asyncIterator]();
    expect((await running.next()).done).toBe(false);
    const next = running.next();
    late.abort();
    expect(await Promise.race([next, hung(2000)])).toEqual({ done: true, value: undefined });
    // Nothing of either is left to serve: a new request runs as usual.
    expect(tokenIds(await collect(request))).toHaveLength(40);
  });

  it('starts an empty prompt from the end-of-text token', async () => {
    await generator.whenReady();
    const eos = generator.tokenize('<|endoftext|>')[0]!;
    const noEos = new Map([[eos, -100]]);
    const fromEmpty = tokenIds(await collect(generationRequest({ promptTokens: [], maxTokens: 6, logitBias: noEos })));
    expect(fromEmpty).toHaveLength(6);
    expect(fromEmpty).toEqual(tokenIds(await collect(generationRequest({ promptTokens: [eos], maxTokens: 6, logitBias: noEos }))));
  });

  it('fails in-flight requests with a clear error when the worker crashes, then restarts it', async () => {
    // A long context and a long generation, in a deployment of its own: the crash, asked for at the first token, must
    // land while the request still runs (a fast worker made 55 tokens in ~5 ms, less than the main thread can take to
    // answer on a loaded machine; 4,000 take it ~0.5 s).
    const long = writeTinyModelFolder({ blockSize: 4096 });
    const lines: string[] = [];
    const crashing = new OnnxTextGenerator({ modelDir: long.folder, modelId: 'tiny', maxBatchSize: 8, log: (line) => lines.push(line) });
    try {
      await crashing.whenReady();
      const eos = crashing.tokenize('<|endoftext|>')[0]!;
      const request = generationRequest({ maxTokens: 4_000, logitBias: new Map([[eos, -100]]) });
      const received: GenerationEvent[] = [];
      const failure = (async () => {
        for await (const event of crashing.generate(request, new AbortController().signal)) {
          received.push(event);
          if (received.length === 1) crashing.replicas[0]!.crashForTesting();
        }
      })();
      await expect(failure).rejects.toThrow(/inference worker crashed \(inference worker: crash requested\); it is restarting/);
      expect(received.length).toBeLessThan(4_000);
      expect(crashing.health()).toBe('failed');
      await expect(collect(request, crashing)).rejects.toThrow(/restarting after a crash/);
      await crashing.whenReady();
      expect(crashing.replicas[0]!.restarts).toBe(1);
      expect(lines.some((line) => line.includes('restarting in'))).toBe(true);
      expect(tokenIds(await collect(request, crashing))).toHaveLength(4_000);
    } finally {
      await crashing.close();
      long.remove();
    }
  });

  it('closed while a crashed worker waits to restart, it answers whenReady at once: it is stopping', async () => {
    const crashing = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 1, log: () => undefined });
    await crashing.whenReady();
    crashing.replicas[0]!.crashForTesting();
    await vi.waitFor(() => expect(crashing.health()).toBe('failed'), { timeout: 5_000 });
    await crashing.close();
    const answer = await Promise.race([crashing.whenReady().then(() => 'ready', (error: Error) => error.message), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
    expect(answer).toMatch(/the deployment is stopping/);
  });

  // Terminating a worker inside an ONNX Runtime call (a session being created, a step running) can abort the whole
  // process, so a stop waits for the call under way and the worker exits by itself.
  it('stops while the model loads and while it generates, with each worker exiting by itself', async () => {
    const lines: string[] = [];
    const loading = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 2, replicas: 2, log: (line) => lines.push(line) });
    expect(loading.health()).toBe('loading');
    await loading.close();

    const generating = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 2, log: (line) => lines.push(line) });
    await generating.whenReady();
    const events: GenerationEvent[] = [];
    const stream = (async () => {
      for await (const event of generating.generate(generationRequest({ promptTokens: generating.tokenize('First'), maxTokens: 200, temperature: 1, seed: 5 }), new AbortController().signal)) {
        events.push(event);
        if (events.length === 2) void generating.close();
      }
    })();
    await expect(stream).rejects.toThrow(/the deployment is stopping/);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((line) => /terminated/.test(line))).toEqual([]);
  });

  it('reports a decoder that cannot load as failed, and fails requests instead of holding them', async () => {
    const broken = writeTinyModelFolder();
    writeFileSync(path.join(broken.folder, 'onnx', 'model.onnx'), 'not an onnx model');
    const failing = new OnnxTextGenerator({ modelDir: broken.folder, modelId: 'broken', log: () => undefined });
    try {
      const waiting = expect(collect(generationRequest(), failing)).rejects.toThrow(/could not load the model/);
      await expect(failing.whenReady()).rejects.toThrow(/broken#0: could not load the model: .*model\.onnx: not a valid ONNX model \(ONNX Runtime: .*\); the file is damaged — re-run the node that produced the model/);
      await waiting;
      expect(failing.health()).toBe('failed');
    } finally {
      await failing.close();
      broken.remove();
    }
  });
});

describe('OnnxTextGenerator on a Llama folder quantized to int4', () => {
  it('serves grouped-query attention from model_q4.onnx: concurrent seeded requests get their sequential tokens', async () => {
    const llama = writeTinyModelFolder({ architecture: 'llama', seed: 4 });
    const quantized = path.join(path.dirname(llama.folder), 'q4');
    quantizeModelFolder({ sourceFolder: llama.folder, targetFolder: quantized, settings: { scheme: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, provenance: {} });
    const served = new OnnxTextGenerator({ modelDir: quantized, modelId: 'tiny-llama', precision: 'q4', maxBatchSize: 4, log: () => undefined });
    try {
      await served.whenReady();
      const eos = served.tokenize('<|endoftext|>')[0]!;
      const requests = ['First', 'Speak, speak', 'hear me speak', 'All: You are', 'Café'].map((text, index) =>
        generationRequest({ promptTokens: served.tokenize(text), maxTokens: 12 + index, temperature: 1, seed: 7 + index, logitBias: new Map([[eos, -100]]) }),
      );
      const sequential: number[][] = [];
      for (const request of requests) sequential.push(tokenIds(await collect(request, served)));
      const concurrent = await Promise.all(requests.map(async (request) => tokenIds(await collect(request, served))));
      expect(sequential.map((ids) => ids.length)).toEqual([12, 13, 14, 15, 16]);
      expect(concurrent).toEqual(sequential);
      expect(new Set(sequential.map((ids) => ids.join(','))).size).toBe(requests.length);
    } finally {
      await served.close();
      llama.remove();
    }
  }, 60_000);
});
