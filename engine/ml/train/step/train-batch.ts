// A batch of token windows as the training step takes it, and the graph feeds it becomes: tokens, next-token
// targets, for a masked corpus the weight of each target, and, for a distillation step, the teacher's log-probabilities.

import { hostTensor, type HostTensor } from '../../tensor/host-tensor.ts';
import { distillationNames, lossDivisorName, lossWeightsName } from './training-loss.ts';

export interface TrainBatch {
  /** int64 (B, T). */
  tokens: HostTensor;
  /** int64 (B, T). */
  targets: HostTensor;
  /** float (B, T): 1 where the target is trained, 0 where it is context only (a chat's user turns); required by steps built with `lossWeights`. */
  lossWeights?: HostTensor;
  /**
   * What a weighted training step divides the batch's sum(w · nll) by: max(sum(w), 1) when absent, the mean over its
   * trained targets. A chunk of a batch split to fit memory (trainer.ts) divides by the whole batch's max(sum(w), 1)
   * over the number of chunks, so the chunks' mean loss and gradient are the whole batch's.
   */
  lossDivisor?: number;
  /** (B*T, V) log_softmax(teacher logits / T); required by steps built with `distillation`. */
  teacherLogProbs?: HostTensor;
}

/** What a step's graph reads besides tokens and targets. */
export interface BatchInputs {
  distills: boolean;
  weighted: boolean;
  /** The graph takes `loss.divisor` besides the weights (a weighted training step; an evaluator does not). */
  divided?: boolean;
}

/** Feeds for a batch: its tokens and targets, the loss weights of a weighted step, the teacher's log-probabilities of a distilling one. */
export function batchFeeds(batch: TrainBatch, inputs: BatchInputs): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { tokens: batch.tokens, targets: batch.targets };
  if (inputs.weighted) {
    if (batch.lossWeights === undefined) throw new Error('weighted train step: the batch carries no loss weights (the tokens have a loss mask, so every batch must)');
    feeds[lossWeightsName] = batch.lossWeights;
    if (inputs.divided === true) feeds[lossDivisorName] = hostTensor(batch.lossWeights.dtype as 'float32', [], [batch.lossDivisor ?? Math.max(sumOf(batch.lossWeights), 1)]);
  }
  if (inputs.distills) {
    if (batch.teacherLogProbs === undefined) throw new Error('distillation step: the batch carries no teacher log-probabilities');
    feeds[distillationNames.teacherLogProbs] = batch.teacherLogProbs;
  }
  return feeds;
}

function sumOf(tensor: HostTensor): number {
  let sum = 0;
  for (const value of tensor.data as Float32Array) sum += value;
  return sum;
}
