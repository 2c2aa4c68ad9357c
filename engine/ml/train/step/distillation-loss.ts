// The DistilGPT2 training objective: alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − alpha) · CE.
// The teacher arrives as log-probabilities already divided by T (an input, so no gradient reaches it).

import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';

export interface DistillationObjective {
  /** Softmax temperature T applied to both the teacher's and the student's logits. */
  temperature: number;
  /** Weight of the KL term; 1 − alpha weighs the cross-entropy on the targets. */
  alpha: number;
}

export interface DistillationLoss {
  /** alpha · kd + (1 − alpha) · ce. */
  loss: Value;
  /** T² · KL, averaged over rows (KLDivLoss with reduction "batchmean" over positions, as DistilGPT2 uses). */
  kd: Value;
  /** Mean cross-entropy on the targets at temperature 1. */
  ce: Value;
}

/**
 * studentLogits (N, V), teacherLogProbs (N, V) = log_softmax(teacher logits / T), and crossEntropy: the student's
 * mean cross-entropy on the targets, which the forward pass already builds.
 * T² keeps the soft-target gradients on the scale of the hard-target ones as T grows (Hinton et al., 2015).
 */
export function distillationLoss(studentLogits: Value, teacherLogProbs: Value, crossEntropy: Value, objective: DistillationObjective): DistillationLoss {
  const { temperature, alpha } = objective;
  if (!(temperature > 0)) throw new Error(`distillation loss: temperature (${temperature}) must be positive`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`distillation loss: alpha (${alpha}) must be within [0, 1]`);
  const studentLogProbs = op.logSoftmax(op.mul(studentLogits, op.scalarLike(studentLogits, 1 / temperature)), -1);
  const teacherProbs = op.exp(teacherLogProbs);
  const perRow = op.reduceSum(op.mul(teacherProbs, op.sub(teacherLogProbs, studentLogProbs)), [-1], { keepDims: false }); // (N)
  const kd = op.mul(op.reduceMean(perRow, undefined, { keepDims: false }), op.scalarLike(perRow, temperature * temperature));
  const ce = crossEntropy;
  const loss = op.add(op.mul(kd, op.scalarLike(kd, alpha)), op.mul(ce, op.scalarLike(ce, 1 - alpha)));
  return { loss, kd, ce };
}
