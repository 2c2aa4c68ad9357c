// The loss a training graph minimises: the forward pass's cross-entropy for pretraining, or the distillation
// objective when the step is built for a student (which adds the teacher's log-probabilities as a graph input).

import type { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { distillationLoss, type DistillationObjective } from './distillation-loss.ts';
import type { Gpt2Outputs } from './forward.ts';

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

export function trainingLoss(graph: Graph, forward: Gpt2Outputs, distillation: DistillationObjective | undefined): TrainingLoss {
  if (forward.loss === null) throw new Error('training loss: the forward pass was built without targets');
  if (distillation === undefined) return { loss: forward.loss, parts: new Map() };
  const teacherLogProbs = graph.input(distillationNames.teacherLogProbs, forward.flatLogits.dtype, forward.flatLogits.shape);
  const { loss, kd, ce } = distillationLoss(forward.flatLogits, teacherLogProbs, forward.loss, distillation);
  return { loss, parts: new Map([[distillationNames.kdLoss, kd], [distillationNames.ceLoss, ce]]) };
}
