// Finite-difference checks for MatMul/FusedMatMul (every transpose combination, batched, broadcast and
// folded weights), LayerNormalization, tanh-GELU, SoftmaxCrossEntropyLoss and dropout.

import { describe } from 'vitest';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { hostTensor } from '../../tensor/host-tensor.ts';
import type { Random } from '../../tensor/random.ts';
import type { GradientCheckCase } from '../gradient-check.ts';
import { itMatchesFiniteDifferences, randomDim, randomFloat64, randomInt64 } from '../testing/gradient-check-support.ts';

function productCase(name: string, shapes: (random: Random) => [number[], number[]], build: (a: Value, b: Value) => Value): GradientCheckCase {
  return {
    name,
    inputs: (random) => shapes(random).map((shape) => randomFloat64(random, shape)),
    build: (_graph, [a, b]) => build(a as Value, b as Value),
  };
}

const dims = (random: Random) => ({ batch: randomDim(random, 2, 3), m: randomDim(random), k: randomDim(random, 2), n: randomDim(random) });

const transposeCombinations = [false, true].flatMap((transA) => [false, true].map((transB) => ({ transA, transB })));

const cases: GradientCheckCase[] = [
  productCase('MatMul of batched activations by a 2-D weight (folded)', (random) => {
    const { batch, m, k, n } = dims(random);
    return [[batch, m, k], [k, n]];
  }, op.matMul),
  productCase('MatMul of two batched operands', (random) => {
    const { batch, m, k, n } = dims(random);
    return [[batch, m, k], [batch, k, n]];
  }, op.matMul),
  productCase('MatMul with broadcast batch dims', (random) => {
    const { batch, m, k, n } = dims(random);
    return [[batch, 1, m, k], [2, k, n]];
  }, op.matMul),
  ...transposeCombinations.map(({ transA, transB }) =>
    productCase(`FusedMatMul transA=${transA} transB=${transB} alpha=0.7`, (random) => {
      const { batch, m, k, n } = dims(random);
      return [transA ? [batch, k, m] : [batch, m, k], transB ? [batch, n, k] : [batch, k, n]];
    }, (a, b) => op.fusedMatMul(a, b, { transA, transB, alpha: 0.7 })),
  ),
  productCase('FusedMatMul of batched activations by a transposed 2-D weight (folded)', (random) => {
    const { batch, m, k, n } = dims(random);
    return [[batch, m, k], [n, k]];
  }, (a, b) => op.fusedMatMul(a, b, { transB: true, alpha: 1.5 })),
  productCase('FusedMatMul with transA and a 2-D weight', (random) => {
    const { batch, m, k, n } = dims(random);
    return [[batch, k, m], [k, n]];
  }, (a, b) => op.fusedMatMul(a, b, { transA: true })),
  {
    name: 'LayerNormalization over the last axis with bias',
    inputs: (random) => {
      const width = randomDim(random, 2, 5);
      return [randomFloat64(random, [randomDim(random), randomDim(random), width]), randomFloat64(random, [width]), randomFloat64(random, [width])];
    },
    build: (_graph, [x, scale, bias]) => op.layerNorm(x as Value, scale as Value, bias as Value, { epsilon: 1e-5 }),
  },
  {
    name: 'LayerNormalization over the last two axes without bias',
    inputs: (random) => {
      const [rows, width] = [randomDim(random, 2), randomDim(random, 2)];
      return [randomFloat64(random, [randomDim(random), rows, width]), randomFloat64(random, [rows, width])];
    },
    build: (_graph, [x, scale]) => op.layerNorm(x as Value, scale as Value, null, { axis: -2, epsilon: 1e-3 }),
  },
  {
    name: 'Gelu with the tanh approximation',
    inputs: (random) => [randomFloat64(random, [randomDim(random, 2, 5), randomDim(random, 2, 5)], { low: -4, high: 4 })],
    build: (_graph, [x]) => op.geluTanh(x as Value),
  },
  ...(['mean', 'sum', 'none'] as const).map((reduction): GradientCheckCase => ({
    name: `SoftmaxCrossEntropyLoss with reduction ${reduction}`,
    inputs: (random) => {
      const [rows, classes] = [randomDim(random, 1, 5), randomDim(random, 2, 6)];
      return [randomFloat64(random, [rows, classes]), randomInt64(random, [rows], classes)];
    },
    build: (_graph, [scores, labels]) => op.softmaxCrossEntropyLoss(scores as Value, labels as Value, reduction),
  })),
  {
    name: 'Dropout with a fed keep-mask',
    inputs: (random) => {
      const [rows, columns] = [randomDim(random, 2), randomDim(random, 2)];
      const mask = Array.from({ length: rows * columns }, () => (random.uniform() < 0.7 ? 1 : 0));
      return [randomFloat64(random, [rows, columns]), hostTensor('bool', [rows, columns], mask)];
    },
    build: (_graph, [x, keep]) => op.dropout(op.tanh(x as Value), keep as Value, 0.3),
  },
];

describe('neural-network gradient rules match finite differences', () => {
  itMatchesFiniteDifferences(cases);
});
