// Finite-difference checks for the data-movement gradient rules: Transpose, Reshape, Unsqueeze/Squeeze,
// Expand, Concat, Split, Slice (clamped and negative bounds) and Pad.

import { describe } from 'vitest';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import type { GradientCheckCase } from '../gradient-check.ts';
import { itMatchesFiniteDifferences, randomDim, randomFloat64 } from '../testing/gradient-check-support.ts';

function rank3Case(name: string, build: (x: Value) => Value): GradientCheckCase {
  return {
    name,
    inputs: (random) => [randomFloat64(random, [randomDim(random), randomDim(random, 2), randomDim(random, 3, 5)])],
    build: (_graph, [x]) => build(x as Value),
  };
}

const cases: GradientCheckCase[] = [
  rank3Case('Transpose', (x) => op.transpose(x, [2, 0, 1])),
  rank3Case('Reshape merging the leading axes', (x) => op.reshape(x, [-1, x.shape[2] as number])),
  rank3Case('Unsqueeze then Squeeze', (x) => op.squeeze(op.mul(op.unsqueeze(x, [1, -1]), op.unsqueeze(x, [1, -1])), [1])),
  {
    name: 'Expand to a larger rank',
    inputs: (random) => [randomFloat64(random, [randomDim(random), 1])],
    build: (_graph, [x]) => op.expand(x as Value, [3, (x as Value).shape[0] as number, 4]),
  },
  {
    name: 'Concat of three values on axis 1',
    inputs: (random) => {
      const a = randomDim(random);
      return [1, 2, 3].map(() => randomFloat64(random, [a, randomDim(random), 2]));
    },
    build: (_graph, values) => op.concat(values, 1),
  },
  {
    name: 'Split on axis 1, one piece unused',
    inputs: (random) => [randomFloat64(random, [randomDim(random), 6, 2])],
    build: (_graph, [x]) => {
      const [first, , third] = op.split(x as Value, [1, 2, 3], 1) as [Value, Value, Value];
      return op.mul(op.concat([first, first], 1), op.slice(third, { starts: [0], ends: [2], axes: [1] }));
    },
  },
  rank3Case('Slice with negative and clamped bounds', (x) => op.slice(x, { starts: [1, -3], ends: [100, -1], axes: [1, 2] })),
  rank3Case('Slice from a start to the end', (x) => op.slice(x, { starts: [1], ends: [2 ** 31 - 1], axes: [-1] })),
  rank3Case('Pad before and after', (x) => op.pad(x, [0, 1, 2, 1, 0, 3])),
];

describe('layout gradient rules match finite differences', () => {
  itMatchesFiniteDifferences(cases);
});
