// Builders for reductions (axes passed as an int64 input, as opset 18 wants) and softmax/log-softmax.
// Leaving axes out reduces over every axis.

import { attr } from '../attributes.ts';
import type { Value } from '../value.ts';
import { applySingle } from './single.ts';

export interface ReduceOptions {
  keepDims?: boolean;
}

type ReduceOp = 'ReduceSum' | 'ReduceMean' | 'ReduceMax';

function reduce(opType: ReduceOp, x: Value, axes: readonly number[] | undefined, options: ReduceOptions): Value {
  const axesInput = axes === undefined || axes.length === 0 ? null : x.graph.int64s(axes);
  return applySingle(x.graph, opType, [x, axesInput], { keepdims: attr.int(options.keepDims === false ? 0 : 1) });
}

export const reduceSum = (x: Value, axes?: readonly number[], options: ReduceOptions = {}): Value => reduce('ReduceSum', x, axes, options);
export const reduceMean = (x: Value, axes?: readonly number[], options: ReduceOptions = {}): Value => reduce('ReduceMean', x, axes, options);
export const reduceMax = (x: Value, axes?: readonly number[], options: ReduceOptions = {}): Value => reduce('ReduceMax', x, axes, options);

export const softmax = (x: Value, axis = -1): Value => applySingle(x.graph, 'Softmax', [x], { axis: attr.int(axis) });
export const logSoftmax = (x: Value, axis = -1): Value => applySingle(x.graph, 'LogSoftmax', [x], { axis: attr.int(axis) });
