// Gradient rules for reductions and the softmax family. A reduction's gradient is the output gradient
// broadcast back over the reduced axes (scaled for a mean, masked to the maxima for a max).

import { intAttr } from '../../graph/attributes.ts';
import { isStaticShape, normalizeAxis } from '../../graph/dims.ts';
import type { OpType } from '../../graph/op-types.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { firstInputOnly, type GradContext, type GradRule } from '../grad-context.ts';
import { scatterAddOntoZeros } from '../scatter-onto-zeros.ts';

/** The reduced axes of a Reduce* node, normalized; every axis when the axes input was omitted. */
function reducedAxes(context: GradContext): number[] {
  const x = context.input(0);
  const axesInput = context.node.inputs[1] ?? null;
  if (axesInput === null || axesInput.known?.length === 0) return x.shape.map((_, axis) => axis);
  return (axesInput.known as number[]).map((axis) => normalizeAxis(context.node.opType, axis, x.shape.length));
}

/** A value of the node's output (or its gradient) with the reduced axes kept as size 1. */
function withKeptDims(context: GradContext, value: Value): Value {
  if (intAttr(context.node.attributes, 'keepdims', 1, context.node.opType) === 1) return value;
  return op.unsqueeze(value, reducedAxes(context));
}

const reduceSum: GradRule = (context) => {
  const x = context.input(0);
  return firstInputOnly(context, op.expand(withKeptDims(context, context.dy), x.shape));
};

/** The mean's gradient is the sum's divided by the count of reduced elements (read at run time if symbolic). */
const reduceMean: GradRule = (context) => {
  const x = context.input(0);
  const spread = op.expand(withKeptDims(context, context.dy), x.shape);
  if (isStaticShape(x.shape)) {
    const count = reducedAxes(context).reduce((product, axis) => product * (x.shape[axis] as number), 1);
    return firstInputOnly(context, op.mul(spread, op.scalarLike(spread, 1 / count)));
  }
  const outputCount = op.cast(op.sizeOf(context.output()), x.dtype);
  const inputCount = op.cast(op.sizeOf(x), x.dtype);
  return firstInputOnly(context, op.mul(spread, op.div(outputCount, inputCount)));
};

/** The gradient goes to the maxima, split evenly between ties. */
const reduceMax: GradRule = (context) => {
  const x = context.input(0);
  const isMax = op.cast(op.equal(x, withKeptDims(context, context.output())), x.dtype);
  const tieCount = op.reduceSum(isMax, reducedAxes(context), { keepDims: true });
  const share = op.div(withKeptDims(context, context.dy), tieCount);
  return firstInputOnly(context, op.mul(isMax, share));
};

function softmaxAxis(context: GradContext): number {
  return intAttr(context.node.attributes, 'axis', -1, context.node.opType);
}

/** y = softmax(x): dx = y * (dy - sum(dy * y)) along the axis. */
const softmax: GradRule = (context) => {
  const y = context.output();
  const dotAlongAxis = op.reduceSum(op.mul(context.dy, y), [softmaxAxis(context)], { keepDims: true });
  return [op.mul(y, op.sub(context.dy, dotAlongAxis))];
};

/**
 * y = logsoftmax(x): dx = dy - softmax(x) * sum(dy) along the axis, with softmax(x) = exp(y).
 * When dy is one value u per row scattered into zeros (the gradient of GatherElements picking each row's target,
 * as a cross-entropy does), sum(dy) = u, so dx = ScatterElements(-exp(y) * u, indices, u, add): three passes over
 * [N, C] instead of six, and the dense scatter into zeros is left unused (Graph does not serialize it).
 */
const logSoftmax: GradRule = (context) => {
  const y = context.output();
  const axis = normalizeAxis('LogSoftmax', softmaxAxis(context), y.shape.length);
  const picked = pickedRowGradient(context.dy, axis);
  if (picked !== null) {
    return [op.scatterElements(op.mul(op.exp(y), op.neg(picked.updates)), picked.indices, picked.updates, axis, 'add')];
  }
  const dySum = op.reduceSum(context.dy, [axis], { keepDims: true });
  return [op.sub(context.dy, op.mul(op.exp(y), dySum))];
};

/** dy = ScatterElements(zeros, indices, updates, axis, add) with one index per row along `axis`, else null. */
function pickedRowGradient(dy: Value, axis: number): { indices: Value; updates: Value } | null {
  const scatter = scatterAddOntoZeros(dy);
  if (scatter === null || scatter.axis !== axis || scatter.indices.shape[axis] !== 1) return null;
  return { indices: scatter.indices, updates: scatter.updates };
}

export const reduceGradRules = {
  ReduceSum: reduceSum,
  ReduceMean: reduceMean,
  ReduceMax: reduceMax,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
} satisfies Partial<Record<OpType, GradRule>>;
