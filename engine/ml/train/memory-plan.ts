// Keeps training memory bounded: estimates the activations a batch keeps for the backward pass and, when they would
// exceed the budget, splits each batch into equal chunks whose gradients are accumulated. The update is the same
// (the mean over equal chunks is the mean over the batch); only the peak memory changes.

import { gpt2Sizing } from '../../../app/models/gpt2-sizing.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import type { TrainBatch } from './step/train-batch.ts';

/** Activation memory one step may keep; with ORT, weights and optimizer state the 10.7M config peaks near 1.5 GiB. */
export const DEFAULT_ACTIVATION_BUDGET_BYTES = 1.5 * 2 ** 30;

export interface MicroBatchPlan {
  /** Chunks each batch is split into (1: no split). */
  chunks: number;
  rowsPerChunk: number;
  /** Estimated activation bytes of one chunk's forward + backward. */
  estimatedChunkBytes: number;
  estimatedUnsplitBytes: number;
}

/** Activation bytes one sequence row keeps: `time` tokens at GPT-2's calibrated cost per token (app/models/gpt2-sizing.ts). */
export function activationBytesPerRow(config: Gpt2Config, time: number): number {
  return time * gpt2Sizing.activationBytesPerToken(config, time);
}

export function planMicroBatches(config: Gpt2Config, batchSize: number, time: number, budgetBytes = DEFAULT_ACTIVATION_BUDGET_BYTES): MicroBatchPlan {
  const perRow = activationBytesPerRow(config, time);
  let chunks = 1;
  while (chunks < batchSize && (batchSize / chunks) * perRow > budgetBytes) {
    chunks++;
    while (batchSize % chunks !== 0) chunks++;
  }
  return { chunks, rowsPerChunk: batchSize / chunks, estimatedChunkBytes: (batchSize / chunks) * perRow, estimatedUnsplitBytes: batchSize * perRow };
}

/** `chunks` equal row ranges of a batch, each a batch of its own. */
export function splitBatch(batch: TrainBatch, chunks: number): TrainBatch[] {
  if (chunks === 1) return [batch];
  const [rows, time] = batch.tokens.shape as [number, number];
  const rowsPerChunk = rows / chunks;
  const slice = (data: BigInt64Array, chunk: number) => data.slice(chunk * rowsPerChunk * time, (chunk + 1) * rowsPerChunk * time);
  return Array.from({ length: chunks }, (_, chunk) => ({
    tokens: { dtype: 'int64', shape: [rowsPerChunk, time], data: slice(batch.tokens.data as BigInt64Array, chunk) },
    targets: { dtype: 'int64', shape: [rowsPerChunk, time], data: slice(batch.targets.data as BigInt64Array, chunk) },
  }));
}
