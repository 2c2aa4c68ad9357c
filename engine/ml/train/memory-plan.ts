// Keeps training memory bounded: estimates the activations a batch keeps for the backward pass and, when they would
// exceed the budget, splits each batch into equal chunks whose gradients are accumulated. The update is the same
// (the mean over equal chunks is the mean over the batch); only the peak memory changes. A split has a fixed cost
// too (the gradient sums and the apply graph's session, both the size of the trained parameters), so a batch is split
// only into chunks whose activations, plus that cost, come to less than the whole batch's. When the chunks still exceed
// the budget, the step's sessions are lean: ORT frees their temporaries after each run instead of keeping them in its
// arena (which grows by powers of two), trading some page faults per step for a much lower peak.

import type { ModelConfig } from '../model-config.ts';
import type { SessionOptions } from '../runtime/session-options.ts';
import { sizingFor } from './model-families.ts';
import type { TrainBatch } from './step/train-batch.ts';

/** Activation memory one step may keep; with ORT, weights and optimizer state the 10.7M config peaks near 1.5 GiB. */
export const DEFAULT_ACTIVATION_BUDGET_BYTES = 1.5 * 2 ** 30;

/**
 * What a split step holds beyond a fused one, in float32 copies of the trained parameters: the gradient sums, current
 * and spare (step/gradient-sums.ts; the zero set is never written, so never paged in), and the apply graph's
 * element-wise temporaries over the flat buffers (the averaged and clipped gradients, AdamW's terms). Calibrated on
 * GPT-2 small, full fine-tuning, 4 × 256: with ORT's arena 2 chunks of 2 rows peaked 1.1 GB above the whole batch;
 * with lean sessions 0.15 GB below it (5.53 vs 5.68 GB) for ~20% more CPU per step, so the whole batch is the better
 * trade there too (train/README.md, Memory).
 */
export const SPLIT_COST_PARAMETER_COPIES = 5;

const FLOAT32_BYTES = 4;

export interface MicroBatchPlan {
  /** Chunks each batch is split into (1: no split). */
  chunks: number;
  rowsPerChunk: number;
  /** Estimated activation bytes of one chunk's forward + backward. */
  estimatedChunkBytes: number;
  estimatedUnsplitBytes: number;
  /** Estimated fixed bytes of splitting at all (gradient sums, apply graph); counted in the choice, 0 when whole. */
  estimatedSplitCostBytes: number;
  /**
   * The step sessions' memory (runtime/session-options.ts): 'lean' when a chunk's activations exceed the budget, so
   * ORT's arena would hold several GB more than the step needs (GPT-2 small, full fine-tune: 9.1 vs 5.7 GB); 'arena'
   * otherwise, which reuses its memory without page faults (LoRA on GPT-2 small ran ~15% slower lean).
   */
  memory: NonNullable<SessionOptions['memory']>;
}

/** Activation bytes one sequence row keeps: `time` tokens at the family's cost per token (app/models). */
export function activationBytesPerRow(config: ModelConfig, time: number): number {
  return time * sizingFor(config).activationBytesPerToken(time);
}

/** What splitting a step costs however many chunks it has, for `trainedParameters` trained float32 parameters. */
export function splitCostBytes(trainedParameters: number): number {
  return SPLIT_COST_PARAMETER_COPIES * FLOAT32_BYTES * trainedParameters;
}

/**
 * The fewest chunks whose activations fit `budgetBytes`, among the splits that save memory once their fixed cost is
 * counted; when none fits, the split that keeps the least. `trainedParameters` defaults to every model parameter
 * (pretraining, full fine-tuning); LoRA passes its adapters' count, so its splits cost almost nothing.
 */
export function planMicroBatches(config: ModelConfig, batchSize: number, time: number, budgetBytes = DEFAULT_ACTIVATION_BUDGET_BYTES, trainedParameters = sizingFor(config).parameterCount()): MicroBatchPlan {
  const perRow = activationBytesPerRow(config, time);
  const cost = splitCostBytes(trainedParameters);
  const peakOf = (chunks: number) => (batchSize / chunks) * perRow + (chunks === 1 ? 0 : cost);
  let chunks = 1;
  for (let candidate = 2; candidate <= batchSize && (batchSize / chunks) * perRow > budgetBytes; candidate++) {
    if (batchSize % candidate === 0 && peakOf(candidate) < peakOf(chunks)) chunks = candidate;
  }
  return {
    chunks,
    rowsPerChunk: batchSize / chunks,
    estimatedChunkBytes: (batchSize / chunks) * perRow,
    estimatedUnsplitBytes: batchSize * perRow,
    estimatedSplitCostBytes: chunks === 1 ? 0 : cost,
    memory: (batchSize / chunks) * perRow > budgetBytes ? 'lean' : 'arena',
  };
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
