// Reduces a broadcast gradient back to the shape of the input it flows to: sum over the leading axes
// the input lacked and over the axes where it had size 1, then reshape to the input's shape.

import { formatShape, shapesEqual, type Shape } from '../graph/dims.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';

export function sumToShape(gradient: Value, shape: Shape): Value {
  if (shapesEqual(gradient.shape, shape)) return gradient;
  const rankGap = gradient.shape.length - shape.length;
  if (rankGap < 0) throw new Error(`sumToShape: gradient ${formatShape(gradient.shape)} has lower rank than ${formatShape(shape)}`);
  const axes: number[] = [];
  gradient.shape.forEach((dim, axis) => {
    const target = axis < rankGap ? undefined : shape[axis - rankGap];
    if (target === undefined || (target === 1 && dim !== 1)) axes.push(axis);
    else if (target !== dim) throw new Error(`sumToShape: gradient ${formatShape(gradient.shape)} does not broadcast to ${formatShape(shape)}`);
  });
  const summed = axes.length === 0 ? gradient : op.reduceSum(gradient, axes, { keepDims: true });
  return op.reshape(summed, shape);
}
