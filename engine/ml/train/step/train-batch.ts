// A batch of token windows as the training step takes it, and the graph feeds it becomes: tokens, next-token
// targets and, for a distillation step, the teacher's log-probabilities.

import type { HostTensor } from '../../tensor/host-tensor.ts';
import { distillationNames } from './training-loss.ts';

export interface TrainBatch {
  /** int64 (B, T). */
  tokens: HostTensor;
  /** int64 (B, T). */
  targets: HostTensor;
  /** (B*T, V) log_softmax(teacher logits / T); required by steps built with `distillation`. */
  teacherLogProbs?: HostTensor;
}

/** Feeds for a batch: its tokens and targets, and the teacher's log-probabilities when the step distils. */
export function batchFeeds(batch: TrainBatch, distills: boolean): Record<string, HostTensor> {
  if (!distills) return { tokens: batch.tokens, targets: batch.targets };
  if (batch.teacherLogProbs === undefined) throw new Error('distillation step: the batch carries no teacher log-probabilities');
  return { tokens: batch.tokens, targets: batch.targets, [distillationNames.teacherLogProbs]: batch.teacherLogProbs };
}
