// The loss a training graph minimises: the mean next-token cross-entropy for pretraining, or the distillation
// objective when the step is built for a student (which adds the teacher's log-probabilities as a graph input).

import type { Graph } from '../../graph/graph.ts';
import { productOfDims } from '../../graph/dims.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { distillationLoss, type DistillationObjective } from './distillation-loss.ts';

/** Graph names of the distillation step's extra input and outputs. */
export const distillationNames = {
  /** float (B*T, V): log_softmax(teacher logits / T), one row per position of the batch. */
  teacherLogProbs: 'teacher.logProbs',
  kdLoss: 'loss.kd',
  ceLoss: 'loss.ce',
} as const;

export interface TrainingLoss {
  loss: Value;
  /** Parts of the loss worth reporting (the KD and CE terms of a distillation step), keyed by output name. */
  parts: ReadonlyMap<string, Value>;
}

/** Mean cross-entropy over every position: flatLogits (B*T, V) against targets int64 (B, T). */
export function meanCrossEntropy(flatLogits: Value, targets: Value): Value {
  return op.softmaxCrossEntropyLoss(flatLogits, op.reshape(targets, [productOfDims(targets.shape)]), 'mean');
}

export function trainingLoss(graph: Graph, flatLogits: Value, targets: Value, distillation: DistillationObjective | undefined): TrainingLoss {
  const crossEntropy = meanCrossEntropy(flatLogits, targets);
  if (distillation === undefined) return { loss: crossEntropy, parts: new Map() };
  const teacherLogProbs = graph.input(distillationNames.teacherLogProbs, flatLogits.dtype, flatLogits.shape);
  const { loss, kd, ce } = distillationLoss(flatLogits, teacherLogProbs, crossEntropy, distillation);
  return { loss, parts: new Map([[distillationNames.kdLoss, kd], [distillationNames.ceLoss, ce]]) };
}
