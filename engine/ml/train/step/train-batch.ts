// A batch of token windows as the training step takes it, and the graph feeds it becomes: tokens, next-token
// targets, for a masked corpus the weight of each target, and, for a distillation step, the teacher's log-probabilities.

import type { HostTensor } from '../../tensor/host-tensor.ts';
import { distillationNames, lossWeightsName } from './training-loss.ts';

export interface TrainBatch {
  /** int64 (B, T). */
  tokens: HostTensor;
  /** int64 (B, T). */
  targets: HostTensor;
  /** float (B, T): 1 where the target is trained, 0 where it is context only (a chat's user turns); required by steps built with `lossWeights`. */
  lossWeights?: HostTensor;
  /** (B*T, V) log_softmax(teacher logits / T); required by steps built with `distillation`. */
  teacherLogProbs?: HostTensor;
}

/** What a step's graph reads besides tokens and targets. */
export interface BatchInputs {
  distills: boolean;
  weighted: boolean;
}

/** Feeds for a batch: its tokens and targets, the loss weights of a weighted step, the teacher's log-probabilities of a distilling one. */
export function batchFeeds(batch: TrainBatch, inputs: BatchInputs): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { tokens: batch.tokens, targets: batch.targets };
  if (inputs.weighted) {
    if (batch.lossWeights === undefined) throw new Error('weighted train step: the batch carries no loss weights (the tokens have a loss mask, so every batch must)');
    feeds[lossWeightsName] = batch.lossWeights;
  }
  if (inputs.distills) {
    if (batch.teacherLogProbs === undefined) throw new Error('distillation step: the batch carries no teacher log-probabilities');
    feeds[distillationNames.teacherLogProbs] = batch.teacherLogProbs;
  }
  return feeds;
}
