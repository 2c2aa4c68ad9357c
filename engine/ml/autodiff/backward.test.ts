// Tests for backward(): gradient accumulation, values off the loss path, symbolic shapes, and the
// errors for missing or broken rules. Also shows that the finite-difference harness catches a wrong rule.

import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { backward } from './backward.ts';
import { gradRules } from './grad-rules.ts';
import { checkGradients } from './gradient-check.ts';
import { randomFloat64 } from './testing/gradient-check-support.ts';

async function runOutputs(graph: Graph, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const session = await createModelSession(graph.toBytes());
  const results = await session.run(feeds);
  return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, numbersOf(tensor)]));
}

describe('backward', () => {
  it('sums the gradients of a value used several times', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const loss = op.reduceSum(op.add(op.mul(x, x), op.mul(x, op.scalarLike(x, 3))), undefined, { keepDims: false });
    const [dx] = backward(g, loss, [x]);
    g.output(dx as Value, 'dx');
    const values = [0.5, -2, 4];
    const { dx: result } = await runOutputs(g, { x: hostTensor('float64', [3], values) });
    expect(result).toEqual(values.map((value) => 2 * value + 3));
  });

  it('gives zeros for a value the loss does not depend on', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    const unused = g.input('unused', 'float32', [2, 2]);
    const loss = op.reduceSum(op.exp(x));
    const [, dUnused] = backward(g, loss, [x, unused]);
    g.output(dUnused as Value, 'dUnused');
    const feeds = { x: hostTensor('float32', [2], [1, 2]), unused: hostTensor('float32', [2, 2], [1, 2, 3, 4]) };
    expect((await runOutputs(g, feeds)).dUnused).toEqual([0, 0, 0, 0]);
  });

  it('gives the same gradients for symbolic batch dims as for fixed ones', async () => {
    const build = (shape: (string | number)[]) => {
      const g = new Graph();
      const x = g.input('x', 'float64', shape);
      const w = g.input('w', 'float64', [4, 2]);
      const normed = op.layerNorm(x, g.constant('float64', [4], [1, 2, 3, 4]), null);
      const loss = op.reduceMean(op.tanh(op.matMul(normed, w)));
      const [dx, dw] = backward(g, loss, [x, w]);
      g.output(dx as Value, 'dx');
      g.output(dw as Value, 'dw');
      return g;
    };
    const feeds = { x: randomFloat64(createRandom(3), [2, 3, 4]), w: randomFloat64(createRandom(4), [4, 2]) };
    const fixed = await runOutputs(build([2, 3, 4]), feeds);
    const symbolic = await runOutputs(build(['B', 'T', 4]), feeds);
    expect(symbolic.dx?.length).toBe(24);
    symbolic.dx?.forEach((value, index) => expect(value).toBeCloseTo(fixed.dx?.[index] as number, 12));
    symbolic.dw?.forEach((value, index) => expect(value).toBeCloseTo(fixed.dw?.[index] as number, 12));
  });

  it('names the op and node when no rule exists', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    const loss = op.reduceSum(op.mul(x, x));
    expect(() => backward(g, loss, [x], { rules: {} })).toThrow('no gradient rule for op "ReduceSum" (used by node "n1")');
    expect(() => backward(g, loss, [x], { rules: { ReduceSum: gradRules.ReduceSum } })).toThrow('no gradient rule for op "Mul" (used by node "n0")');
  });

  it('rejects a rule whose gradient has the wrong shape or count', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const loss = op.reduceSum(op.exp(x));
    const wrongShape = { ...gradRules, Exp: () => [g.constant('float32', [3], [1, 1, 1])] };
    expect(() => backward(g, loss, [x], { rules: wrongShape })).toThrow(/gradient rule for "Exp" \(node "n\d+"\) gave float32\[3\] for input 0 which is float32\[2,3\]/);
    const wrongCount = { ...gradRules, Exp: () => [] };
    expect(() => backward(g, loss, [x], { rules: wrongCount })).toThrow(/gradient rule for "Exp" returned 0 gradients for 1 inputs/);
  });

  it('is caught by the finite-difference check when a rule is wrong', async () => {
    const expCase = {
      name: 'Exp with a wrong rule',
      inputs: () => [hostTensor('float64', [3], [0.1, 1, 2])],
      build: (_graph: Graph, [x]: readonly Value[]) => op.exp(x as Value),
    };
    const wrong = await checkGradients(expCase, { seed: 1, rules: { ...gradRules, Exp: (context) => [context.dy] } });
    expect(wrong.maxError).toBeGreaterThan(0.1);
    const right = await checkGradients(expCase, { seed: 1 });
    expect(right.maxError).toBeLessThan(1e-6);
  });
});
