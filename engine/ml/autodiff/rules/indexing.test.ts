// Finite-difference checks for gather/scatter and Trilu gradient rules. Gather ids repeat on purpose:
// the embedding gradient must add the rows of every occurrence, also onto a dense gradient of the same table.

import { describe } from 'vitest';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { hostTensor } from '../../tensor/host-tensor.ts';
import type { GradientCheckCase } from '../gradient-check.ts';
import { distinctInts, itMatchesFiniteDifferences, randomDim, randomFloat64, randomInt64 } from '../testing/gradient-check-support.ts';

const cases: GradientCheckCase[] = [
  {
    name: 'Gather rows of an embedding table with repeated ids',
    inputs: (random) => {
      const vocab = randomDim(random, 2, 4);
      return [randomFloat64(random, [vocab, randomDim(random)]), randomInt64(random, [randomDim(random, 2), 3], vocab)];
    },
    build: (_graph, [table, ids]) => op.gather(table as Value, ids as Value),
  },
  {
    // The tied embedding's shape: the Gather's scatter is folded onto the head's dense gradient (backward.ts).
    name: 'Gather rows of a table that a MatMul also reads (tied embedding)',
    inputs: (random) => {
      const [vocab, width] = [randomDim(random, 2, 4), randomDim(random)];
      return [randomFloat64(random, [vocab, width]), randomInt64(random, [randomDim(random, 2), 3], vocab)];
    },
    build: (_graph, [table, ids]) => op.fusedMatMul(op.gather(table as Value, ids as Value), table as Value, { transB: true }),
  },
  {
    name: 'GatherElements along axis 1',
    inputs: (random) => {
      const [rows, columns] = [randomDim(random), randomDim(random, 2)];
      return [randomFloat64(random, [rows, columns]), randomInt64(random, [rows, randomDim(random, 1, 5)], columns)];
    },
    build: (_graph, [data, indices]) => op.gatherElements(data as Value, indices as Value, 1),
  },
  {
    name: 'GatherND of rows',
    inputs: (random) => {
      const vocab = randomDim(random, 2);
      return [randomFloat64(random, [vocab, randomDim(random)]), randomInt64(random, [randomDim(random), 1], vocab)];
    },
    build: (_graph, [data, indices]) => op.gatherND(data as Value, indices as Value),
  },
  ...(['none', 'add'] as const).map((reduction): GradientCheckCase => ({
    name: `ScatterND with reduction ${reduction}`,
    inputs: (random) => {
      const [rows, width] = [randomDim(random, 2, 5), randomDim(random)];
      const count = randomDim(random, 1, rows);
      const ids = distinctInts(random, count, rows);
      return [randomFloat64(random, [rows, width]), hostTensor('int64', [count, 1], ids), randomFloat64(random, [count, width])];
    },
    build: (_graph, [data, indices, updates]) => op.scatterND(op.mul(data as Value, data as Value), indices as Value, updates as Value, reduction),
  })),
  ...(['none', 'add'] as const).map((reduction): GradientCheckCase => ({
    name: `ScatterElements along axis 1 with reduction ${reduction}`,
    inputs: (random) => {
      const [rows, columns] = [randomDim(random), randomDim(random, 2, 5)];
      const count = randomDim(random, 1, columns);
      const ids = Array.from({ length: rows }, () => distinctInts(random, count, columns)).flat();
      return [randomFloat64(random, [rows, columns]), hostTensor('int64', [rows, count], ids), randomFloat64(random, [rows, count])];
    },
    build: (_graph, [data, indices, updates]) => op.scatterElements(op.mul(data as Value, data as Value), indices as Value, updates as Value, 1, reduction),
  })),
  {
    name: 'Trilu lower and upper with a diagonal offset',
    inputs: (random) => [randomFloat64(random, [randomDim(random), randomDim(random, 2), randomDim(random, 2)])],
    build: (_graph, [x]) => op.add(op.trilu(x as Value, { upper: false }), op.trilu(op.exp(x as Value), { upper: true, diagonal: 1 })),
  },
];

describe('indexing gradient rules match finite differences', () => {
  itMatchesFiniteDifferences(cases);
});
