// Shape rules for the neural-network ops: MatMul, com.microsoft FusedMatMul, LayerNormalization and
// SoftmaxCrossEntropyLoss. MatMul follows numpy: batch dims broadcast, 1-D operands are promoted then dropped.

import { intAttr, stringAttr } from '../attributes.ts';
import { broadcastShapes, formatShape, normalizeAxis, shapesEqual, type Dim, type Shape } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import type { ValueType } from '../value.ts';
import { describeInputs, inputAt, optionalInputAt, requireFloat, requireSameDType, type ShapeContext, type ShapeRule } from './context.ts';

function matMulShape(opType: string, a: Shape, b: Shape): Dim[] {
  const fail = (): never => {
    throw new Error(`${opType}: cannot multiply ${formatShape(a)} by ${formatShape(b)}`);
  };
  if (a.length === 0 || b.length === 0) fail();
  const left = a.length === 1 ? [1, ...a] : a;
  const right = b.length === 1 ? [...b, 1] : b;
  if (left[left.length - 1] !== right[right.length - 2]) fail();
  let batch: Dim[] = [];
  try {
    batch = broadcastShapes(opType, [left.slice(0, -2), right.slice(0, -2)]);
  } catch {
    fail();
  }
  const rows = a.length === 1 ? [] : [left[left.length - 2] as Dim];
  const columns = b.length === 1 ? [] : [right[right.length - 1] as Dim];
  return [...batch, ...rows, ...columns];
}

function swapLastTwo(shape: Shape): Dim[] {
  const swapped = [...shape];
  swapped.splice(-2, 2, shape[shape.length - 1] as Dim, shape[shape.length - 2] as Dim);
  return swapped;
}

function matMulOperands(context: ShapeContext): [ValueType, ValueType] {
  const a = inputAt(context, 0, 'A');
  const b = inputAt(context, 1, 'B');
  requireSameDType(context, [a, b]);
  requireFloat(context, a, 'A');
  return [a, b];
}

const matMul: ShapeRule = (context) => {
  const [a, b] = matMulOperands(context);
  return [{ dtype: a.dtype, shape: matMulShape('MatMul', a.shape, b.shape) }];
};

const fusedMatMul: ShapeRule = (context) => {
  const [a, b] = matMulOperands(context);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`FusedMatMul: operands need rank >= 2, got ${describeInputs(context)}`);
  const transA = intAttr(context.attributes, 'transA', 0, 'FusedMatMul') === 1;
  const transB = intAttr(context.attributes, 'transB', 0, 'FusedMatMul') === 1;
  const left = transA ? swapLastTwo(a.shape) : a.shape;
  const right = transB ? swapLastTwo(b.shape) : b.shape;
  return [{ dtype: a.dtype, shape: matMulShape(`FusedMatMul(transA=${+transA}, transB=${+transB})`, left, right) }];
};

const layerNormalization: ShapeRule = (context) => {
  const x = inputAt(context, 0, 'X');
  const scale = inputAt(context, 1, 'Scale');
  const bias = optionalInputAt(context, 2);
  requireFloat(context, x, 'X');
  requireSameDType(context, bias === undefined ? [x, scale] : [x, scale, bias]);
  const axis = normalizeAxis('LayerNormalization', intAttr(context.attributes, 'axis', -1, 'LayerNormalization'), x.shape.length);
  const normalized = x.shape.slice(axis);
  if (!shapesEqual(scale.shape, normalized) || (bias !== undefined && !shapesEqual(bias.shape, normalized))) {
    throw new Error(`LayerNormalization: Scale and B must be ${formatShape(normalized)}, got ${describeInputs(context)}`);
  }
  const statsShape = [...x.shape.slice(0, axis), ...normalized.map(() => 1)];
  // ORT computes Mean and InvStdDev in float32 (stash_type 1) even for float64 X.
  const stats: ValueType = { dtype: 'float32', shape: statsShape };
  return [{ dtype: x.dtype, shape: x.shape }, stats, stats].slice(0, context.outputCount);
};

const softmaxCrossEntropyLoss: ShapeRule = (context) => {
  const scores = inputAt(context, 0, 'scores');
  const labels = inputAt(context, 1, 'labels');
  requireFloat(context, scores, 'scores');
  const expectedLabels = [scores.shape[0] ?? 0, ...scores.shape.slice(2)];
  if (scores.shape.length < 2 || labels.dtype !== 'int64' || !shapesEqual(labels.shape, expectedLabels)) {
    throw new Error(`SoftmaxCrossEntropyLoss: needs scores [N,C,...] and int64 labels [N,...], got ${describeInputs(context)}`);
  }
  if (optionalInputAt(context, 2) !== undefined) throw new Error('SoftmaxCrossEntropyLoss: class weights are not supported');
  const reduction = stringAttr(context.attributes, 'reduction', 'mean', 'SoftmaxCrossEntropyLoss');
  const loss: ValueType = { dtype: scores.dtype, shape: reduction === 'none' ? labels.shape : [] };
  return [loss, { dtype: scores.dtype, shape: scores.shape }].slice(0, context.outputCount);
};

export const nnShapeRules = {
  MatMul: matMul,
  FusedMatMul: fusedMatMul,
  LayerNormalization: layerNormalization,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
} satisfies Partial<Record<OpType, ShapeRule>>;
