// Finite-difference checks (float64, random small shapes) for every element-wise gradient rule,
// including operands that broadcast and must have their gradients summed back.

import { describe } from 'vitest';
import { attr } from '../../graph/attributes.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import type { GradientCheckCase } from '../gradient-check.ts';
import { itMatchesFiniteDifferences, randomBool, randomDim, randomFloat64 } from '../testing/gradient-check-support.ts';

const POSITIVE = { low: 0.5, high: 2 };

function binaryCase(name: string, build: (a: Value, b: Value) => Value, positiveB = false): GradientCheckCase {
  return {
    name,
    inputs: (random) => {
      const [a, b, c] = [randomDim(random), randomDim(random, 2), randomDim(random)];
      return [randomFloat64(random, [a, b, c]), randomFloat64(random, [b, 1], positiveB ? POSITIVE : undefined)];
    },
    build: (_graph, [x, y]) => build(x as Value, y as Value),
  };
}

function unaryCase(name: string, build: (x: Value) => Value, range?: { low: number; high: number }): GradientCheckCase {
  return {
    name,
    inputs: (random) => [randomFloat64(random, [randomDim(random), randomDim(random)], range)],
    build: (_graph, [x]) => build(x as Value),
  };
}

const cases: GradientCheckCase[] = [
  binaryCase('Add with broadcasting', op.add),
  binaryCase('Sub with broadcasting', op.sub),
  binaryCase('Sub with the broadcast operand first', (a, b) => op.sub(b, a)),
  binaryCase('Mul with broadcasting', op.mul),
  binaryCase('Div with broadcasting', op.div, true),
  binaryCase('Div with the broadcast operand as numerator', (a, b) => op.div(b, op.add(op.mul(a, a), op.scalarLike(a, 1))), true),
  {
    name: 'Pow with a broadcast exponent',
    inputs: (random) => {
      const [a, b] = [randomDim(random), randomDim(random)];
      return [randomFloat64(random, [a, b], POSITIVE), randomFloat64(random, [b])];
    },
    build: (_graph, [x, p]) => op.pow(x as Value, p as Value),
  },
  {
    name: 'Sum of three broadcasting values',
    inputs: (random) => {
      const [a, b] = [randomDim(random), randomDim(random)];
      return [randomFloat64(random, [a, b]), randomFloat64(random, [b]), randomFloat64(random, [a, 1])];
    },
    build: (_graph, values) => op.sum(values),
  },
  unaryCase('Neg', op.neg),
  unaryCase('Exp', op.exp),
  unaryCase('Log', op.log, POSITIVE),
  unaryCase('Sqrt', op.sqrt, POSITIVE),
  unaryCase('Tanh', op.tanh),
  unaryCase('Sigmoid', op.sigmoid),
  unaryCase('Cos', op.cos),
  unaryCase('Sin', op.sin),
  unaryCase('Identity', (x) => op.mul(op.identity(x), x)),
  unaryCase('Cast float64 to float64', (x) => x.graph.apply('Cast', [op.mul(x, x)], { to: attr.int(11) })[0] as Value),
  {
    name: 'Where with a broadcast branch',
    inputs: (random) => {
      const [a, b] = [randomDim(random), randomDim(random)];
      return [randomBool(random, [a, b]), randomFloat64(random, [a, b]), randomFloat64(random, [b])];
    },
    build: (_graph, [condition, whenTrue, whenFalse]) => op.where(condition as Value, whenTrue as Value, whenFalse as Value),
  },
];

describe('element-wise gradient rules match finite differences', () => {
  itMatchesFiniteDifferences(cases);
});
