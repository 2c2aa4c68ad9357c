// The loss a training graph minimises: the mean next-token cross-entropy for pretraining, the mean over trained
// targets only when the data carries a loss mask (chat fine-tuning trains assistant tokens), or the distillation
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

/** Graph name of a weighted step's extra input: float (B, T), the weight of each target (the loss mask). */
export const lossWeightsName = 'loss.weights';
/**
 * Graph name of a weighted training step's scalar input: what sum(w · nll) is divided by (train-batch.ts
 * `lossDivisor`), so a chunk of a split batch takes its share of the whole batch's loss.
 */
export const lossDivisorName = 'loss.divisor';

export interface TrainingLoss {
  loss: Value;
  /** Parts of the loss worth reporting (the KD and CE terms of a distillation step), keyed by output name. */
  parts: ReadonlyMap<string, Value>;
}

export interface LossOptions {
  distillation?: DistillationObjective;
  /** Weigh each target by the `loss.weights` input (declared here) instead of taking the plain mean. */
  weighted?: boolean;
}

/**
 * Each position's negative log-likelihood, (B*T): -LogSoftmax(flatLogits)[row, target], picked with GatherElements.
 * Not ONNX's SoftmaxCrossEntropyLoss: ORT runs that function's LogSoftmax over a [N, V, 1] reshape, several times
 * slower at GPT-2's 50257 classes (~0.7 s against ~0.2 s per 4 x 256 batch), and the LogSoftmax gradient rule turns
 * this pattern into one scatter (autodiff/rules/reduce.ts), so the backward builds no one-hot either.
 */
export function tokenNll(flatLogits: Value, targets: Value): Value {
  const rows = productOfDims(targets.shape);
  const targetColumn = op.reshape(targets, [rows, 1]);
  return op.neg(op.reshape(op.gatherElements(op.logSoftmax(flatLogits, 1), targetColumn, 1), [rows]));
}

/** Mean cross-entropy over every position: flatLogits (B*T, V) against targets int64 (B, T). */
export function meanCrossEntropy(flatLogits: Value, targets: Value): Value {
  return op.reduceMean(tokenNll(flatLogits, targets), undefined, { keepDims: false });
}

/**
 * sum(w · nll) / max(sum(w), 1) over the positions of one batch: flatLogits (B*T, V), targets int64 (B, T), weights
 * (B, T). With 0/1 weights it is the mean loss of the trained targets; a batch with none has loss 0 and no gradient.
 * With `divisor` (a scalar) it is sum(w · nll) / divisor instead.
 */
export function weightedCrossEntropy(flatLogits: Value, targets: Value, weights: Value, divisor?: Value): Value {
  const rows = productOfDims(targets.shape);
  const nll = tokenNll(flatLogits, targets); // (B*T)
  const flatWeights = op.reshape(weights, [rows]);
  const total = op.reduceSum(op.mul(nll, flatWeights), undefined, { keepDims: false });
  if (divisor !== undefined) return op.div(total, divisor);
  const count = op.reduceSum(flatWeights, undefined, { keepDims: false });
  const one = op.scalarLike(count, 1);
  return op.div(total, op.where(op.less(count, one), one, count));
}

/** Declares the loss-weights input of a weighted graph: (B, T) in the logits' dtype. */
export function addLossWeightsInput(graph: Graph, flatLogits: Value, targets: Value): Value {
  return graph.input(lossWeightsName, flatLogits.dtype, targets.shape);
}

export function trainingLoss(graph: Graph, flatLogits: Value, targets: Value, options: LossOptions = {}): TrainingLoss {
  const { distillation, weighted = false } = options;
  if (weighted && distillation !== undefined) throw new Error('train step: a loss mask and distillation cannot be combined; distil on plain-text tokens');
  const crossEntropy = weighted
    ? weightedCrossEntropy(flatLogits, targets, addLossWeightsInput(graph, flatLogits, targets), graph.input(lossDivisorName, flatLogits.dtype, []))
    : meanCrossEntropy(flatLogits, targets);
  if (distillation === undefined) return { loss: crossEntropy, parts: new Map() };
  const teacherLogProbs = graph.input(distillationNames.teacherLogProbs, flatLogits.dtype, flatLogits.shape);
  const { loss, kd, ce } = distillationLoss(flatLogits, teacherLogProbs, crossEntropy, distillation);
  return { loss, parts: new Map([[distillationNames.kdLoss, kd], [distillationNames.ceLoss, ce]]) };
}
