// The memory plan: small configs stay whole, the 10.7M config at batch 64 is split to fit the budget, chunks divide
// the batch evenly, and splitting keeps every row in order.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { activationBytesPerRow, DEFAULT_ACTIVATION_BUDGET_BYTES, planMicroBatches, splitBatch } from './memory-plan.ts';

describe('planMicroBatches', () => {
  it('keeps the nanoGPT CPU config whole and splits the 10.7M config at batch 64 under the budget', () => {
    const small = gpt2Config({ vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 });
    expect(planMicroBatches(small, 12, 64).chunks).toBe(1);
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
    expect(planMicroBatches(config, 12, 4, perRow * 5).chunks).toBe(3);
    expect(planMicroBatches(config, 7, 4, perRow * 2).chunks).toBe(7);
    expect(planMicroBatches(config, 7, 4, 1).rowsPerChunk).toBe(1);
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
