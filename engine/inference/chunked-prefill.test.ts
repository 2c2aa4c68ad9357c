// Chunked prefill in the decode loop, for a GPT-2 and a Llama: a long prompt joining a running batch goes in a
// chunk between decode steps, so the running row keeps producing tokens meanwhile, and both requests get exactly
// the greedy tokens they get alone (where the long prompt is prefilled whole).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from './text-generator.ts';
import { DecodeLoop } from './decode-loop.ts';
import { loadDecoderPair, releaseDecoderPair, type DecoderPair } from './decoder-pair.ts';
import { readServableModel, type ServableModel } from './model-files.ts';
import { generationRequest } from './testing/generation-request.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';
import type { StepEvent } from './worker-protocol.ts';

let fixture: TinyModelFolder;
let model: ServableModel;
let decoders: DecoderPair;

const CHUNK = 8;
const LONG_TEXT = 'First Citizen: Before we proceed any further, hear me speak. You are all resolved rather to die than to famish?';

/** Runs the requests through one loop (request `late` submitted after the first request's `afterTokens`-th token); returns every emitted step. */
async function run(first: GenerationRequest, late?: { request: GenerationRequest; afterTokens: number; cancelAfterChunks?: boolean }): Promise<StepEvent[][]> {
  const steps: StepEvent[][] = [];
  let firstTokens = 0;
  const loop: DecodeLoop = new DecodeLoop({
    prefillSession: decoders.prefill,
    stepSession: decoders.step,
    stepManySession: decoders.stepMany,
    config: model.config,
    eosTokenId: model.eosTokenId,
    maxBatchSize: 4,
    prefillChunkTokens: CHUNK,
    emit: (events) => {
      steps.push(events);
      firstTokens += events.filter((event) => event.type === 'token' && event.requestId === 1).length;
      if (late && firstTokens === late.afterTokens && events.some((event) => event.requestId === 1 && event.type === 'token')) loop.submit(2, late.request);
      if (late?.cancelAfterChunks && firstTokens === late.afterTokens + 2) loop.cancel(2);
    },
  });
  loop.submit(1, first);
  await loop.idle();
  return steps;
}

const tokensOf = (steps: StepEvent[][], requestId: number) => steps.flat().flatMap((event) => (event.type === 'token' && event.requestId === requestId ? [event.tokenId] : []));
const noEos = (): Map<number, number> => new Map(model.eosTokenId === null ? [] : [[model.eosTokenId, -100]]);

describe.each(TINY_MODEL_ARCHITECTURES)('chunked prefill (%s)', (architecture) => {
  beforeAll(async () => {
    fixture = writeTinyModelFolder({ architecture });
    model = readServableModel(fixture.folder);
    decoders = await loadDecoderPair({ modelFolder: fixture.folder, precision: 'float32', decoderPath: model.decoderPath, config: model.config }, {}, { manyTokens: true });
  });
  afterAll(async () => {
    await releaseDecoderPair(decoders);
    fixture.remove();
  });

  it('keeps the running row producing tokens while a long prompt joins, and changes no token', async () => {
    const running = generationRequest({ promptTokens: model.tokenizer.encode('hear me'), maxTokens: 24, logitBias: noEos() });
    const longPrompt = model.tokenizer.encode(LONG_TEXT).slice(0, 5 * CHUNK);
    expect(longPrompt).toHaveLength(5 * CHUNK);
    const joining = generationRequest({ promptTokens: longPrompt, maxTokens: 6, logitBias: noEos() });
    const together = await run(running, { request: joining, afterTokens: 3 });

    const firstOfJoining = together.findIndex((events) => events.some((event) => event.requestId === 2));
    const runningTokensBefore = together.slice(0, firstOfJoining).flat().filter((event) => event.type === 'token' && event.requestId === 1).length;
    // One decode step of the running row per chunk: at least ⌈L / CHUNK⌉ − 1 tokens while the prompt went in
    // (a whole-prompt prefill would have given the joining request its first token before the running row's 4th).
    expect(runningTokensBefore - 3).toBeGreaterThanOrEqual(Math.ceil(longPrompt.length / CHUNK) - 1);

    const runningAlone = await run(running);
    const joiningAlone = await run(joining);
    expect(tokensOf(together, 1)).toEqual(tokensOf(runningAlone, 1));
    expect(tokensOf(together, 2)).toEqual(tokensOf(joiningAlone, 1));
    expect(tokensOf(together, 2)).toHaveLength(6);
  });

  it('drops a long prompt cancelled between its chunks; the running row carries on', async () => {
    const running = generationRequest({ promptTokens: model.tokenizer.encode('hear me'), maxTokens: 16, logitBias: noEos() });
    const joining = generationRequest({ promptTokens: model.tokenizer.encode(LONG_TEXT).slice(0, 5 * CHUNK), maxTokens: 6, logitBias: noEos() });
    const steps = await run(running, { request: joining, afterTokens: 2, cancelAfterChunks: true });
    expect(tokensOf(steps, 2)).toEqual([]);
    expect(steps.flat().filter((event) => event.requestId === 2)).toEqual([]);
    expect(tokensOf(steps, 1)).toHaveLength(16);
  });
});
