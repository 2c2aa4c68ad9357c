// Finite-difference checks for reduction and softmax gradient rules on random small shapes,
// with and without keepdims and with negative axes, and LogSoftmax's picked-row (cross-entropy) form.

import { describe } from 'vitest';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import type { GradientCheckCase } from '../gradient-check.ts';
import { itMatchesFiniteDifferences, randomDim, randomFloat64, randomInt64 } from '../testing/gradient-check-support.ts';

function rank3Case(name: string, build: (x: Value) => Value): GradientCheckCase {
  return {
    name,
    inputs: (random) => [randomFloat64(random, [randomDim(random), randomDim(random, 2), randomDim(random, 2)])],
    build: (_graph, [x]) => build(x as Value),
  };
}

const cases: GradientCheckCase[] = [
  rank3Case('ReduceSum over axis 1 without keepdims', (x) => op.reduceSum(x, [1], { keepDims: false })),
  rank3Case('ReduceSum over every axis', (x) => op.reduceSum(x)),
  rank3Case('ReduceMean over axes 0 and 2 with keepdims', (x) => op.reduceMean(x, [0, -1])),
  rank3Case('ReduceMean over the last axis without keepdims', (x) => op.reduceMean(x, [-1], { keepDims: false })),
  rank3Case('ReduceMax over the last axis without keepdims', (x) => op.reduceMax(x, [-1], { keepDims: false })),
  rank3Case('ReduceMax over axes 0 and 1 with keepdims', (x) => op.reduceMax(x, [0, 1])),
  rank3Case('Softmax over axis 1', (x) => op.softmax(x, 1)),
  rank3Case('Softmax over the last axis', (x) => op.softmax(x, -1)),
  rank3Case('LogSoftmax over the last axis', (x) => op.logSoftmax(x, -1)),
  rank3Case('LogSoftmax over axis 0', (x) => op.logSoftmax(x, 0)),
];

/** LogSoftmax over `axis` of x [a, b, c], then GatherElements picking one entry per row along it: the scatter form. */
function pickedLogSoftmaxCase(name: string, axis: number, alsoDense: boolean): GradientCheckCase {
  return {
    name,
    inputs: (random) => {
      const shape = [randomDim(random), randomDim(random, 2), randomDim(random, 2)];
      const indexShape = shape.map((dim, index) => (index === axis ? 1 : dim));
      return [randomFloat64(random, shape), randomInt64(random, indexShape, shape[axis] as number)];
    },
    build: (_graph, [x, indices]) => {
      const logProbs = op.logSoftmax(x as Value, axis);
      const picked = op.gatherElements(logProbs, indices as Value, axis);
      return alsoDense ? op.add(op.reduceSum(picked), op.reduceSum(op.mul(logProbs, logProbs))) : picked;
    },
  };
}

cases.push(
  pickedLogSoftmaxCase('LogSoftmax over the last axis, one entry picked per row', 2, false),
  pickedLogSoftmaxCase('LogSoftmax over axis 0, one entry picked per column', 0, false),
  pickedLogSoftmaxCase('LogSoftmax picked per row and also used densely (no scatter form)', 2, true),
);

describe('reduction gradient rules match finite differences', () => {
  itMatchesFiniteDifferences(cases);
});
