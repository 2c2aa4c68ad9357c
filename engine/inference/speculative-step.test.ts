// Speculative decoding with a draft model, for a GPT-2 and a Llama: greedy output through the decode loop is the
// target's own token for token (batched, several lengths, with logprobs), a draft that is the target itself has every
// proposal kept, and seeded sampling is distributed as the target's: over many seeds, the first two tokens of one
// speculative step pass a chi-square test against the target's exact distribution (which the draft's own fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import { prefillBatch } from './batched-prefill.ts';
import { DecodeLoop } from './decode-loop.ts';
import { loadDecoderPair, releaseDecoderPair, type DecoderPair } from './decoder-pair.ts';
import { readServableModel } from './model-files.ts';
import { SequenceSampler } from './sequence-sampler.ts';
import { SlotKvCache } from './slot-kv-cache.ts';
import { SpeculativeDecoder } from './speculative-step.ts';
import { generationRequest } from './testing/generation-request.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';
import type { GenerationRequest } from './text-generator.ts';
import type { StepEvent } from './worker-protocol.ts';

interface Loaded {
  folder: TinyModelFolder;
  pair: DecoderPair;
  config: ModelConfig;
}

describe.each(TINY_MODEL_ARCHITECTURES)('speculative decoding (%s)', (architecture) => {
  let target: Loaded;
  let draft: Loaded;
  let eosTokenId: number | null;

  const load = async (seed: number, nLayer: number, manyTokens: boolean): Promise<Loaded> => {
    const folder = writeTinyModelFolder({ architecture, nEmbd: 32, nLayer, seed, noise: 0.3 });
    const model = readServableModel(folder.folder, 'float32');
    eosTokenId = model.eosTokenId;
    const pair = await loadDecoderPair({ modelFolder: folder.folder, precision: 'float32', decoderPath: model.decoderPath, config: model.config }, {}, { manyTokens });
    return { folder, pair, config: model.config };
  };

  beforeAll(async () => {
    target = await load(3, 2, true);
    draft = await load(3, 1, false);
  });
  afterAll(async () => {
    for (const loaded of [target, draft]) {
      await releaseDecoderPair(loaded.pair);
      loaded.folder.remove();
    }
  });

  const decoder = (drafted: Loaded, proposals: number, maxBatchSize = 4) => new SpeculativeDecoder({
    draft: { prefill: drafted.pair.prefill, step: drafted.pair.step, config: drafted.config },
    targetVerify: target.pair.stepMany!,
    targetStep: target.pair.step,
    targetConfig: target.config,
    proposals,
    maxBatchSize,
    eosTokenId,
    sampledVocabSize: target.config.vocabSize,
    slotChunk: 8,
  });

  /** Every request's tokens and logprobs through one decode loop, with or without speculation. */
  const run = async (requests: GenerationRequest[], speculative?: SpeculativeDecoder) => {
    const outcomes = requests.map(() => ({ tokens: [] as number[], logprobs: [] as number[], finish: '' }));
    const loop = new DecodeLoop({
      prefillSession: target.pair.prefill, stepSession: target.pair.step, config: target.config, eosTokenId, maxBatchSize: 4,
      ...(speculative ? { speculative } : {}),
      emit: (events: StepEvent[]) => {
        for (const event of events) {
          if (event.type === 'error') throw new Error(event.message);
          const outcome = outcomes[event.requestId]!;
          if (event.type === 'finish') outcome.finish = event.reason;
          else {
            outcome.tokens.push(event.tokenId);
            outcome.logprobs.push(event.logprob!);
          }
        }
      },
    });
    requests.forEach((request, index) => loop.submit(index, request));
    await loop.idle();
    return outcomes;
  };

  it('greedy: the same tokens (and logprobs) as the target alone, batched, for requests of different lengths', async () => {
    const requests = [
      generationRequest({ promptTokens: [5, 9, 2, 7], maxTokens: 20, logprobs: true }),
      generationRequest({ promptTokens: [4], maxTokens: 7, logprobs: true }),
      generationRequest({ promptTokens: [11, 6, 6, 2, 40, 41, 42], maxTokens: 13, logprobs: true }),
    ];
    const alone = await run(requests);
    const speculative = decoder(draft, 3);
    const drafted = await run(requests, speculative);
    expect(drafted.map((outcome) => outcome.tokens)).toEqual(alone.map((outcome) => outcome.tokens));
    expect(drafted.map((outcome) => outcome.finish)).toEqual(alone.map((outcome) => outcome.finish));
    drafted.forEach((outcome, index) => outcome.logprobs.forEach((logprob, at) => expect(logprob).toBeCloseTo(alone[index]!.logprobs[at]!, 4)));
    expect(speculative.stats.steps).toBeLessThan(alone.reduce((sum, outcome) => sum + outcome.tokens.length, 0));
    expect(speculative.stats.proposed).toBeGreaterThan(0);
  });

  it('seeded sampling: a request gives the same tokens alone as beside others, also at its token limit and the context’s end', async () => {
    // Each row proposes its own k (from its own length and token limit); a row beside a longer one fills the step's
    // wider positions with padding that spends none of its draws, and that its verification does not see.
    const context = target.config.blockSize;
    const shortPrompt = { promptTokens: [5, 9, 2, 7], maxTokens: 6 };
    const longPrompt = { promptTokens: [4, 8], maxTokens: 30 };
    // Ends exactly at the context: its last steps have little room, beside rows that still propose 4.
    const edgePrompt = { promptTokens: Array.from({ length: context - 9 }, (_, index) => 3 + (index % 50)), maxTokens: 9, logprobs: true };
    const seeded = { temperature: 1, topK: 8 };
    const short = generationRequest({ ...seeded, ...shortPrompt, seed: 42 });
    const long = generationRequest({ ...seeded, ...longPrompt, seed: 7 });
    const edge = generationRequest({ ...seeded, ...edgePrompt, seed: 5 });
    const alone = await Promise.all([short, long, edge].map(async (request) => (await run([request], decoder(draft, 4)))[0]!));
    const together = await run([short, long, edge], decoder(draft, 4));
    const pairs = await run([edge, long], decoder(draft, 4));
    expect(together.map((outcome) => outcome.tokens)).toEqual(alone.map((outcome) => outcome.tokens));
    expect(together.map((outcome) => outcome.finish)).toEqual(['length', 'length', 'length']);
    expect(pairs.map((outcome) => outcome.tokens)).toEqual([alone[2]!.tokens, alone[1]!.tokens]);
    together[2]!.logprobs.forEach((logprob, at) => expect(logprob).toBeCloseTo(alone[2]!.logprobs[at]!, 4));
    expect(alone.map((outcome) => outcome.tokens.length)).toEqual([6, 30, 9]);

    // Greedy beside a row that proposes more: the padding changes none of the target's tokens, up to the context's end.
    const greedy = [shortPrompt, longPrompt, edgePrompt].map((prompt) => generationRequest(prompt));
    const plain = await run(greedy);
    const drafted = await run(greedy, decoder(draft, 4));
    expect(drafted.map((outcome) => outcome.tokens)).toEqual(plain.map((outcome) => outcome.tokens));
    drafted[2]!.logprobs.forEach((logprob, at) => expect(logprob).toBeCloseTo(plain[2]!.logprobs[at]!, 4));
  });

  it('a cancel that lands while a chunk-prefilled prompt’s draft prefill runs stops it: no row, no more events', async () => {
    const speculative = decoder(draft, 2);
    const events: StepEvent[] = [];
    const long = Array.from({ length: 20 }, (_, index) => 10 + index);
    let submitted = false;
    const loop: DecodeLoop = new DecodeLoop({
      prefillSession: target.pair.prefill, stepSession: target.pair.step, stepManySession: target.pair.stepMany, config: target.config, eosTokenId: null,
      maxBatchSize: 4, prefillChunkTokens: 4, speculative, emit: (stepEvents) => {
        events.push(...stepEvents);
        // At request 1's first token it is running, so the long prompt is chunked (a fixed wait raced its 30 tokens,
        // a few ms on a fast CPU).
        if (!submitted && stepEvents.some((event) => event.requestId === 1)) {
          submitted = true;
          loop.submit(2, generationRequest({ promptTokens: long, maxTokens: 20 }));
        }
      },
    });
    // The worker's messages run whenever the loop awaits: this cancel arrives during the long prompt's draft prefill.
    const prefill = speculative.prefill.bind(speculative);
    let cancelledAt = -1;
    speculative.prefill = async (prompts) => {
      if (prompts.length === 1 && prompts[0]!.length === long.length) {
        setImmediate(() => {
          cancelledAt = events.length;
          loop.cancel(2);
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
      return prefill(prompts);
    };
    loop.submit(1, generationRequest({ promptTokens: [5, 6, 7], maxTokens: 30 }));
    await loop.idle();
    expect(cancelledAt).toBeGreaterThanOrEqual(0);
    expect(events.slice(0, cancelledAt).some((event) => event.type === 'finish')).toBe(false); // request 1 still ran
    expect(events.filter((event) => event.requestId === 2)).toEqual([]);
    expect(events.filter((event) => event.requestId === 1 && event.type === 'token')).toHaveLength(30);
  });

  it('a draft that is the target itself has every proposal kept: k + 1 tokens per target step', async () => {
    const self = decoder(target, 3, 1);
    const request = generationRequest({ promptTokens: [5, 9, 2], maxTokens: 17 });
    const [alone] = await run([request]);
    const [drafted] = await run([request], self);
    expect(drafted!.tokens).toEqual(alone!.tokens);
    expect(self.stats.accepted).toBe(self.stats.proposed);
    expect(self.stats.steps).toBe(4); // 16 tokens after the prefill's first: 4 steps of 4
  });

  it('seeded sampling: the first two tokens after a speculative step are distributed as the target’s (chi-square over 1,500 seeds)', async () => {
    const settings = { temperature: 1, topK: 4, topP: 1, maxTokens: 8 };
    const prompt = [5, 9, 2, 7];
    const last = 12;
    const sampler = (seed?: number) => new SequenceSampler(generationRequest({ ...settings, promptTokens: prompt, ...(seed === undefined ? {} : { seed }) }));
    // The target's exact distribution of (first, second) token after prompt + last, and the draft's of the first.
    const [first] = await prefillBatch(target.pair.prefill, target.config, [[...prompt, last]]);
    const p1 = sampler().distribution(first!.logits, []);
    const exact = new Map<string, number>();
    for (const [token, probability] of p1.entries()) {
      if (probability === 0) continue;
      const [second] = await prefillBatch(target.pair.prefill, target.config, [[...prompt, last, token]]);
      sampler().distribution(second!.logits, [token]).forEach((p2, next) => {
        if (p2 > 0) exact.set(`${token},${next}`, probability * p2);
      });
    }
    const [draftFirst] = await prefillBatch(draft.pair.prefill, draft.config, [[...prompt, last]]);
    const q1 = sampler().distribution(draftFirst!.logits, []);
    const totalVariation = p1.reduce((sum, p, token) => sum + Math.abs(p - q1[token]!), 0) / 2;
    expect(totalVariation).toBeGreaterThan(0.2); // the draft really differs, so agreeing with p below means something

    const speculative = decoder(draft, 3, 1);
    const targetCache = new SlotKvCache(kvCacheShape(target.config), { maxRows: 1, maxSlots: target.config.blockSize, slotChunk: 8 });
    const [targetPrompt] = await prefillBatch(target.pair.prefill, target.config, [prompt]);
    const [draftPrompt] = await speculative.prefill([prompt]);
    const seen = new Map<string, number>();
    const firstSeen = new Map<number, number>();
    const SEEDS = 1500;
    for (let seed = 0; seed < SEEDS; seed++) {
      targetCache.addRow(targetPrompt!.cache);
      speculative.addRow(draftPrompt!);
      const row = { requestId: 0, sampler: sampler(seed), lastToken: last };
      const tokens: number[] = [];
      while (tokens.length < 2) {
        const { events } = await speculative.step(targetCache, [row]);
        for (const event of events) if (event.type === 'token') tokens.push(event.tokenId);
      }
      firstSeen.set(tokens[0]!, (firstSeen.get(tokens[0]!) ?? 0) + 1);
      seen.set(`${tokens[0]},${tokens[1]}`, (seen.get(`${tokens[0]},${tokens[1]}`) ?? 0) + 1);
      targetCache.removeRows(new Set([0]));
      speculative.removeRows(new Set([0]));
    }
    /** Pearson's statistic; Infinity when a draw fell where `expected` has no mass. */
    const chiSquare = (observed: Map<string | number, number>, expected: Map<string | number, number>) => {
      if ([...observed.keys()].some((cell) => !expected.has(cell))) return Infinity;
      return [...expected].reduce((sum, [cell, probability]) => sum + ((observed.get(cell) ?? 0) - SEEDS * probability) ** 2 / (SEEDS * probability), 0);
    };
    /** Wilson–Hilferty's critical value at p = 0.001 for `cells` − 1 degrees of freedom. */
    const critical = (cells: number) => (cells - 1) * (1 - 2 / (9 * (cells - 1)) + 3.09 * Math.sqrt(2 / (9 * (cells - 1)))) ** 3;
    const nonZero = (probabilities: Float64Array) => new Map<string | number, number>([...probabilities.entries()].filter(([, p]) => p > 0));
    expect(chiSquare(seen, exact)).toBeLessThan(critical(exact.size));
    expect(chiSquare(firstSeen, nonZero(p1))).toBeLessThan(critical(nonZero(p1).size));
    expect(chiSquare(firstSeen, nonZero(q1))).toBeGreaterThan(critical(nonZero(q1).size)); // the same test rejects q
    expect(speculative.stats.accepted).toBeGreaterThan(0);
    expect(speculative.stats.accepted).toBeLessThan(speculative.stats.proposed);
  }, 120_000);
});
