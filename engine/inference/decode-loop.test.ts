// The decode loop in-process (no worker), for a GPT-2 and a Llama (grouped-query attention, rotary positions):
// KV-cache greedy decoding matches recomputing the whole context each step, and continuous batching gives every
// seeded request the same tokens and logprobs it gets alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decoderNames } from '../ml/export/kv-decoder.ts';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';
import type { GenerationRequest } from './text-generator.ts';
import { DecodeLoop } from './decode-loop.ts';
import { loadDecoderPair, type DecoderPair } from './decoder-pair.ts';
import { readServableModel, type ServableModel } from './model-files.ts';
import { generationRequest } from './testing/generation-request.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';
import type { StepEvent } from './worker-protocol.ts';

let fixture: TinyModelFolder;
let model: ServableModel;
let decoders: DecoderPair;


interface Outcome {
  tokens: number[];
  logprobs: number[];
  finish: string | null;
  error: string | null;
}

/** Runs `requests` through one loop, submitting each at its `atStep` (counted in emitted steps); returns outcomes by index. */
async function runLoop(requests: { request: GenerationRequest; atStep?: number }[], maxBatchSize: number, sampledVocabSize?: number): Promise<{ outcomes: Outcome[]; largestStep: number }> {
  const outcomes: Outcome[] = requests.map(() => ({ tokens: [], logprobs: [], finish: null, error: null }));
  let steps = 0;
  let largestStep = 0;
  const loop = new DecodeLoop({
    prefillSession: decoders.prefill,
    stepSession: decoders.step,
    config: model.config,
    eosTokenId: model.eosTokenId,
    sampledVocabSize,
    maxBatchSize,
    emit: (events: StepEvent[]) => {
      steps += 1;
      largestStep = Math.max(largestStep, new Set(events.map((event) => event.requestId)).size);
      for (const event of events) recordEvent(outcomes[event.requestId]!, event);
      requests.forEach((entry, index) => {
        if (entry.atStep === steps) loop.submit(index, entry.request);
      });
    },
  });
  requests.forEach((entry, index) => {
    if (!entry.atStep) loop.submit(index, entry.request);
  });
  await loop.idle();
  return { outcomes, largestStep };
}

function recordEvent(outcome: Outcome, event: StepEvent): void {
  if (event.type === 'token') {
    outcome.tokens.push(event.tokenId);
    if (event.logprob !== undefined) outcome.logprobs.push(event.logprob);
  } else if (event.type === 'finish') outcome.finish = event.reason;
  else outcome.error = event.message;
}

/** Greedy tokens by re-running the decoder over the whole context each step, with an empty cache. */
async function greedyWithoutCache(prompt: number[], count: number, banned: number | null): Promise<number[]> {
  const { config } = model;
  const context = [...prompt];
  const { nKvHead, headDim } = kvCacheShape(config);
  const empty: HostTensor = { dtype: 'float32', shape: [1, nKvHead, 0, headDim], data: new Float32Array(0) };
  const int64 = (values: number[]): HostTensor => ({ dtype: 'int64', shape: [1, values.length], data: BigInt64Array.from(values, BigInt) });
  for (let step = 0; step < count; step++) {
    const feeds: Record<string, HostTensor> = {
      [decoderNames.inputIds]: int64(context),
      [decoderNames.positionIds]: int64(context.map((_, index) => index)),
      [decoderNames.attentionMask]: int64(context.map(() => 1)),
    };
    for (let layer = 0; layer < config.nLayer; layer++) feeds[decoderNames.pastKey(layer)] = feeds[decoderNames.pastValue(layer)] = empty;
    const logits = (await decoders.prefill.run(feeds))[decoderNames.logits]!.data as Float32Array;
    const last = Array.from(logits.subarray(logits.length - config.vocabSize));
    if (banned !== null) last[banned] = -Infinity;
    context.push(last.indexOf(Math.max(...last)));
  }
  return context.slice(prompt.length);
}

const noEos = (): Map<number, number> => new Map(model.eosTokenId === null ? [] : [[model.eosTokenId, -100]]);

describe.each(TINY_MODEL_ARCHITECTURES)('DecodeLoop (%s)', (architecture) => {
  beforeAll(async () => {
    fixture = writeTinyModelFolder({ architecture });
    model = readServableModel(fixture.folder);
    decoders = await loadDecoderPair({ modelFolder: fixture.folder, precision: 'float32', decoderPath: model.decoderPath, config: model.config }, {});
  });
  afterAll(async () => {
    await Promise.all([decoders.prefill.release(), decoders.step.release()]);
    fixture.remove();
  });

  it('greedy decoding with the KV cache equals recomputing the full context every step, across cache growth', async () => {
    const prompt = model.tokenizer.encode('First Citizen: hear me');
    const count = 40; // the slot cache grows past its first 32 slots
    const { outcomes } = await runLoop([{ request: generationRequest({ promptTokens: prompt, maxTokens: count, logitBias: noEos() }) }], 1);
    expect(prompt.length + count).toBeGreaterThan(33);
    expect(outcomes[0]!.finish).toBe('length');
    expect(outcomes[0]!.tokens).toEqual(await greedyWithoutCache(prompt, count, model.eosTokenId));
  });

  it('never samples ids past the tokenizer when the embedding is padded beyond it', async () => {
    const padding = model.config.vocabSize - 1;
    const favoured = generationRequest({ maxTokens: 6, logitBias: new Map([...noEos(), [padding, 100]]) });
    const unbounded = await runLoop([{ request: favoured }], 1);
    expect(unbounded.outcomes[0]!.tokens).toEqual(Array(6).fill(padding));
    const bounded = await runLoop([{ request: favoured }], 1, padding);
    expect(bounded.outcomes[0]!.tokens).toHaveLength(6);
    expect(bounded.outcomes[0]!.tokens.every((id) => id < padding)).toBe(true);
  });

  it('gives each seeded request the same tokens and logprobs inside a continuous batch as alone', async () => {
    const texts = ['Speak, speak.', 'First', 'You are all resolved rather to die', 'Caius Marcius is chief', 'hear me', 'über naïve Café'];
    const requests = texts.map((text, index) => ({
      request: generationRequest({
        promptTokens: model.tokenizer.encode(text),
        maxTokens: 6 + 3 * index,
        temperature: 0.7 + 0.2 * index,
        topK: index % 2 === 0 ? 0 : 40,
        topP: index % 3 === 0 ? 0.9 : 1,
        frequencyPenalty: index === 2 ? 0.5 : 0,
        presencePenalty: index === 3 ? 0.8 : 0,
        seed: 1000 + index,
        logprobs: true,
        topLogprobs: 2,
      }),
      atStep: index < 3 ? undefined : index < 5 ? 4 : 9,
    }));
    const alone: Outcome[] = [];
    for (const { request } of requests) alone.push((await runLoop([{ request }], 1)).outcomes[0]!);
    const batched = await runLoop(requests, 4);
    expect(batched.largestStep).toBeGreaterThan(2);
    batched.outcomes.forEach((outcome, index) => {
      const single = alone[index]!;
      expect(outcome.error).toBeNull();
      expect(outcome.tokens).toEqual(single.tokens);
      expect(outcome.finish).toBe(single.finish);
      outcome.logprobs.forEach((logprob, step) => expect(logprob).toBeCloseTo(single.logprobs[step]!, 4));
    });
    expect(new Set(alone.map((outcome) => outcome.tokens.join(','))).size).toBe(texts.length);
  });

  it('stops a cancelled request within a step while the rest of the batch carries on', async () => {
    const seen = new Map<number, number>();
    const loop: DecodeLoop = new DecodeLoop({
      prefillSession: decoders.prefill,
      stepSession: decoders.step,
      config: model.config,
      eosTokenId: model.eosTokenId,
      maxBatchSize: 4,
      emit: (events) => {
        for (const event of events) if (event.type === 'token') seen.set(event.requestId, (seen.get(event.requestId) ?? 0) + 1);
        if (seen.get(1) === 3) loop.cancel(1);
      },
    });
    loop.submit(1, generationRequest({ maxTokens: 30, logitBias: noEos() }));
    loop.submit(2, generationRequest({ maxTokens: 30, logitBias: noEos() }));
    await loop.idle();
    expect(seen.get(1)).toBe(3);
    expect(seen.get(2)).toBe(30);
  });

  it('a failed prefill errors its requests, except one cancelled meanwhile, which gets nothing and is forgotten', async () => {
    const events: StepEvent[] = [];
    let failed = false;
    const failingPrefill = {
      ...decoders.prefill,
      // Fails the one prefill of two prompts (requests 1 and 2, joining the running request 0 together).
      run: async (feeds: Parameters<typeof decoders.prefill.run>[0]) => {
        if (failed || feeds[decoderNames.inputIds]!.shape[0] !== 2) return decoders.prefill.run(feeds);
        failed = true;
        loop.cancel(1); // arrives while the prefill runs
        throw new Error('no memory left');
      },
    };
    const loop: DecodeLoop = new DecodeLoop({ prefillSession: failingPrefill, stepSession: decoders.step, config: model.config, eosTokenId: model.eosTokenId, maxBatchSize: 4, emit: (stepEvents) => events.push(...stepEvents) });
    loop.submit(0, generationRequest({ maxTokens: 8, logitBias: noEos() }));
    loop.submit(1, generationRequest({ maxTokens: 3, logitBias: noEos() }));
    loop.submit(2, generationRequest({ maxTokens: 3, logitBias: noEos() }));
    await loop.idle();
    expect(failed).toBe(true);
    expect(events.filter((event) => event.requestId !== 0)).toEqual([{ type: 'error', requestId: 2, message: 'prefill failed: no memory left' }]);
    // Its id left nothing behind: a new request under it runs as any other.
    loop.submit(1, generationRequest({ maxTokens: 3, logitBias: noEos() }));
    await loop.idle();
    expect(events.filter((event) => event.requestId === 1 && event.type === 'token')).toHaveLength(3);
  });
});
