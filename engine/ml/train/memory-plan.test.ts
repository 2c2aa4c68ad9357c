// The memory plan: small configs stay whole, the 10.7M config at batch 64 is split to fit the budget, chunks divide
// the batch evenly, a split whose fixed cost outweighs what it saves is not made (GPT-2 small, full fine-tuning),
// and splitting keeps every row in order.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { activationBytesPerRow, DEFAULT_ACTIVATION_BUDGET_BYTES, planMicroBatches, splitBatch, splitCostBytes } from './memory-plan.ts';

describe('planMicroBatches', () => {
  it('keeps the nanoGPT CPU config whole and splits the 10.7M config at batch 64 under the budget', () => {
    const small = gpt2Config({ vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 });
    expect(planMicroBatches(small, 12, 64)).toMatchObject({ chunks: 1, memory: 'arena' });
    const large = gpt2Config({ vocabSize: 65, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256 });
    const perRow = activationBytesPerRow(large, 256);
    expect(perRow / 2 ** 20).toBeGreaterThan(95);
    expect(perRow / 2 ** 20).toBeLessThan(115);
    const plan = planMicroBatches(large, 64, 256);
    expect(plan.chunks * plan.rowsPerChunk).toBe(64);
    expect(plan.estimatedChunkBytes).toBeLessThanOrEqual(DEFAULT_ACTIVATION_BUDGET_BYTES);
    expect(planMicroBatches(large, 64, 256, plan.estimatedChunkBytes * 2 + 1).chunks).toBe(plan.chunks / 2);
  });

  it('splits into divisors of the batch, down to single rows', () => {
    const config = gpt2Config({ vocabSize: 10, nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 4 });
    const perRow = activationBytesPerRow(config, 4);
    const freeSplit = 0; // no trained parameters: a split costs nothing, so only the budget decides
    expect(planMicroBatches(config, 12, 4, perRow * 5, freeSplit).chunks).toBe(3);
    expect(planMicroBatches(config, 7, 4, perRow * 2, freeSplit).chunks).toBe(7);
    expect(planMicroBatches(config, 7, 4, 1, freeSplit).rowsPerChunk).toBe(1);
  });

  it('splits only when the chunks plus the fixed cost of a split keep less than the whole batch', () => {
    const config = gpt2Config({ vocabSize: 10, nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 4 });
    const perRow = activationBytesPerRow(config, 4);
    const trainedFor = (cost: number) => cost / splitCostBytes(1);
    // 8 rows over a 4-row budget: halving saves 4 rows, quartering 6, single rows 7.
    const plan = (costInRows: number) => planMicroBatches(config, 8, 4, 4 * perRow, trainedFor(costInRows * perRow));
    expect(plan(3.5)).toMatchObject({ chunks: 2, estimatedSplitCostBytes: 3.5 * perRow });
    expect(plan(4.5).chunks).toBe(4);
    expect(plan(6.5).chunks).toBe(8);
    expect(plan(7)).toMatchObject({ chunks: 1, estimatedSplitCostBytes: 0 });
  });

  it('keeps GPT-2 small whole and lean for full fine-tuning at 4 x 256, and splits it for LoRA, whose split costs next to nothing', () => {
    const gpt2Small = gpt2Config({ vocabSize: 50_257, nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024 });
    const full = planMicroBatches(gpt2Small, 4, 256);
    expect(full.estimatedUnsplitBytes).toBeGreaterThan(DEFAULT_ACTIVATION_BUDGET_BYTES);
    expect(full).toMatchObject({ chunks: 1, memory: 'lean' });
    expect(planMicroBatches(gpt2Small, 4, 256, DEFAULT_ACTIVATION_BUDGET_BYTES, 294_912)).toMatchObject({ chunks: 2, memory: 'arena' });
  });
});

describe('splitBatch', () => {
  it('cuts rows into equal consecutive chunks', () => {
    const tokens = BigInt64Array.from({ length: 12 }, (_, index) => BigInt(index));
    const batch = { tokens: { dtype: 'int64' as const, shape: [4, 3], data: tokens }, targets: { dtype: 'int64' as const, shape: [4, 3], data: tokens.map((value) => value + 100n) } };
    const chunks = splitBatch(batch, 2);
    expect(chunks.map((chunk) => chunk.tokens.shape)).toEqual([[2, 3], [2, 3]]);
    expect(chunks.flatMap((chunk) => Array.from(chunk.tokens.data as BigInt64Array, Number))).toEqual(Array.from({ length: 12 }, (_, index) => index));
    expect(Array.from(chunks[1]?.targets.data as BigInt64Array, Number)).toEqual([106, 107, 108, 109, 110, 111]);
    expect(splitBatch(batch, 1)[0]).toBe(batch);
  });
});
