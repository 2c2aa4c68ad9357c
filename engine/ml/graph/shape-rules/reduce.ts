// Shape rules for reductions (axes given as an input, keepdims) and the softmax family.
// Empty axes reduce everything, as ONNX specifies when noop_with_empty_axes is 0.

import { intAttr } from '../attributes.ts';
import { normalizeAxis, type Dim } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import { inputAt, knownIntsAt, optionalInputAt, requireFloat, sameAsInput, type ShapeRule } from './context.ts';

const reduction: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const rank = data.shape.length;
  const axes = optionalInputAt(context, 1) === undefined ? [] : knownIntsAt(context, 1, 'axes');
  const noopWhenEmpty = intAttr(context.attributes, 'noop_with_empty_axes', 0, context.opType) === 1;
  if (axes.length === 0 && noopWhenEmpty) return [{ dtype: data.dtype, shape: data.shape }];
  const reduced = new Set(axes.length === 0 ? data.shape.map((_, index) => index) : axes.map((axis) => normalizeAxis(context.opType, axis, rank)));
  const keepDims = intAttr(context.attributes, 'keepdims', 1, context.opType) === 1;
  const shape: Dim[] = [];
  data.shape.forEach((dim, index) => {
    if (!reduced.has(index)) shape.push(dim);
    else if (keepDims) shape.push(1);
  });
  return [{ dtype: data.dtype, shape }];
};

const softmaxLike: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  requireFloat(context, input, 'input');
  normalizeAxis(context.opType, intAttr(context.attributes, 'axis', -1, context.opType), input.shape.length);
  return sameAsInput(context);
};

export const reduceShapeRules = {
  ReduceSum: reduction,
  ReduceMean: reduction,
  ReduceMax: reduction,
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
} satisfies Partial<Record<OpType, ShapeRule>>;
