// Checks the graph builder against ONNX Runtime: every op's inferred shape must equal the shape ORT
// produces, symbolic dims must resolve per run, and bad graphs must fail while building with clear errors.

import { describe, expect, it } from 'vitest';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { Graph } from './graph.ts';
import * as op from './ops/index.ts';
import type { Value } from './value.ts';

function randomTensor(dtype: 'float32' | 'float64', shape: number[], seed: number): HostTensor {
  let state = seed;
  const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
  return hostTensor(dtype, shape, values);
}

/** Marks every float/int/bool value produced by a node as an output, runs, and compares shapes. */
async function expectInferredShapesMatchOrt(graph: Graph, feeds: Record<string, HostTensor>, dimSizes: Record<string, number>): Promise<void> {
  const produced = graph.nodes.flatMap((node) => node.outputs).filter((value) => !graph.outputs.includes(value));
  for (const value of produced) graph.output(value);
  const session = await createModelSession(graph.toBytes());
  const results = await session.run(feeds);
  for (const value of graph.outputs) {
    const expected = value.shape.map((dim) => (typeof dim === 'number' ? dim : evaluateDim(dim, dimSizes)));
    expect({ name: value.name, shape: results[value.name]?.shape }).toEqual({ name: value.name, shape: expected });
    expect(results[value.name]?.dtype).toBe(value.dtype);
  }
}

function evaluateDim(dim: string, sizes: Record<string, number>): number {
  const expression = dim.replace(/[A-Za-z_]\w*/g, (symbol) => String(sizes[symbol] ?? NaN));
  return Function(`return (${expression});`)() as number;
}

describe('Graph shape inference against ONNX Runtime', () => {
  it('infers the shape of every op, with symbolic batch and time dims', async () => {
    const g = new Graph({ name: 'every-op' });
    const x = g.input('x', 'float64', ['B', 'T', 4]);
    const w = g.input('w', 'float64', [4, 6]);
    const ids = g.input('ids', 'int64', ['B', 'T']);
    const table = g.initializer('table', randomTensor('float64', [5, 4], 7));

    const h = op.matMul(x, w);
    const ht = op.fusedMatMul(h, w, { transB: true, alpha: 0.5 });
    const sumParts = op.sum([op.add(x, ht), op.mul(x, op.scalarLike(x, 2)), op.div(op.sub(x, ht), op.scalarLike(x, 3))]);
    const positive = op.add(op.exp(sumParts), op.scalarLike(x, 1));
    const unary = op.neg(op.tanh(op.sigmoid(op.sqrt(op.log(op.pow(positive, op.scalarLike(x, 2)))))));
    const reduced = op.reduceSum(unary, [1], { keepDims: false });
    const meanKept = op.reduceMean(unary, [-1]);
    const maxAll = op.reduceMax(unary);
    const soft = op.logSoftmax(op.softmax(unary, 1), -1);
    const flat = op.reshape(soft, ['B*T', 4]);
    const unflat = op.reshape(flat, ['B', 'T', 4]);
    const swapped = op.transpose(unflat, [0, 2, 1]);
    const expanded = op.expand(op.unsqueeze(meanKept, [0]), [3, 'B', 'T', 4]);
    const joined = op.concat([x, unflat], 1);
    const sliced = op.slice(joined, { starts: [1, 0], ends: [2 ** 31 - 1, 3], axes: [1, 2], steps: [1, 2] });
    const padded = op.pad(x, [0, 1, 0, 0, 2, 1]);
    const squeezed = op.squeeze(op.unsqueeze(x, [1]), [1]);
    const embedded = op.gather(table, ids);
    const picked = op.gatherElements(x, op.cast(op.reduceMax(op.cast(x, 'int64'), [2]), 'int64'), 2);
    const scattered = op.scatterND(table, op.unsqueeze(ids, [-1]), op.identity(embedded), 'add');
    const gatheredRows = op.gatherND(table, op.unsqueeze(ids, [-1]));
    const scatteredElements = op.scatterElements(x, op.cast(op.less(x, x), 'int64'), x, 2, 'add');
    const masked = op.where(op.equal(ids, ids), op.reduceSum(x, [2], { keepDims: false }), op.scalarLike(x, 0));
    const causal = op.trilu(op.matMul(x, op.transpose(x, [0, 2, 1])), { upper: false });
    const normed = op.layerNorm(x, g.constant('float64', [4], [1, 2, 3, 4]), g.constant('float64', [4], [0, 0, 1, 1]));
    const activated = op.geluTanh(normed);
    const loss = op.softmaxCrossEntropyLoss(op.reshape(activated, ['B*T', 4]), op.reshape(op.cast(op.less(ids, ids), 'int64'), ['B*T']));
    const zeros = op.zerosLike(x);
    const count = op.sizeOf(x);
    const dims = op.shapeOf(x, { start: 1 });
    for (const value of [reduced, maxAll, swapped, expanded, sliced, padded, squeezed, picked, scattered, gatheredRows]) g.output(value);
    for (const value of [scatteredElements, masked, causal, loss, zeros, count, dims]) g.output(value);

    const feeds = {
      x: randomTensor('float64', [2, 3, 4], 1),
      w: randomTensor('float64', [4, 6], 2),
      ids: hostTensor('int64', [2, 3], [0, 4, 2, 2, 1, 3]),
    };
    await expectInferredShapesMatchOrt(g, feeds, { B: 2, T: 3 });
  });

  it('computes the right numbers through a symbolic reshape round trip', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['B', 'T', 2]);
    const flat = op.reshape(x, ['B*T', 2]);
    expect(flat.shape).toEqual(['B*T', 2]);
    const back = op.reshape(op.mul(flat, op.scalarLike(flat, 10)), ['B', 'T', 2]);
    expect(back.shape).toEqual(['B', 'T', 2]);
    g.output(back, 'y');
    const session = await createModelSession(g.toBytes());
    const result = await session.run({ x: hostTensor('float32', [3, 1, 2], [1, 2, 3, 4, 5, 6]) });
    expect(result.y?.shape).toEqual([3, 1, 2]);
    expect(numbersOf(result.y!)).toEqual([10, 20, 30, 40, 50, 60]);
  });
});

describe('Graph construction errors', () => {
  const g = new Graph({ name: 'errors' });
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 5]);
  const ids = g.input('ids', 'int64', [2]);

  it('names the op and the shapes', () => {
    expect(() => op.matMul(a, b)).toThrow('MatMul: cannot multiply [2,3] by [4,5]');
    expect(() => op.add(a, b)).toThrow('Add: cannot broadcast [2,3] with [4,5]');
    expect(() => op.reshape(a, [4, 2])).toThrow('Reshape: cannot reshape [2,3] to [4,2]');
    expect(() => op.transpose(a, [0, 0])).toThrow('Transpose: perm [0,0] is not a permutation of the axes of [2,3]');
    expect(() => op.concat([a, b], 0)).toThrow(/Concat: shapes must match except on axis 0, got float32\[2,3\], float32\[4,5\]/);
    expect(() => op.squeeze(a, [0])).toThrow('Squeeze: axis 0 of [2,3] is not 1');
    expect(() => op.fusedMatMul(a, b, { transA: true })).toThrow('FusedMatMul(transA=1, transB=0): cannot multiply [3,2] by [4,5]');
  });

  it('checks dtypes', () => {
    expect(() => op.add(a, ids)).toThrow(/Add: inputs must share one dtype, got float32\[2,3\], int64\[2\]/);
    expect(() => op.gather(a, a)).toThrow(/Gather: indices must be int64 or int32/);
    expect(() => op.exp(ids)).toThrow('Exp: X must be float32 or float64, got int64');
  });

  it('rejects duplicate names, foreign values and symbolic dims with no source', () => {
    expect(() => g.input('a', 'float32', [1])).toThrow('graph "errors": value name "a" is already used');
    const other = new Graph({ name: 'other' });
    const foreign = other.input('f', 'float32', [2, 3]);
    expect(() => op.add(a, foreign)).toThrow('Add: input "f" belongs to another graph');
    expect(() => g.runtimeShape(['Q', 2])).toThrow(/symbolic dim "Q" appears in no value yet/);
    expect(() => new Graph({ name: 'empty' }).toBytes()).toThrow('graph "empty": has no outputs');
    const doubled = op.exp(a);
    g.output(doubled, 'once');
    expect(() => g.output(a)).toThrow('graph "errors": "a" is an input or initializer; give its output another name');
    expect(() => g.output(doubled, 'once')).toThrow('graph "errors": output "once" is already declared');
  });
});

describe('Graph outputs', () => {
  it('renames a node output in place, and copies through Identity only for inputs and second names', async () => {
    const g = new Graph({ name: 'outputs' });
    const x = g.input('x', 'float32', [2]);
    const y = op.exp(x);
    const consumer = op.add(y, x);
    g.output(y, 'first');
    g.output(y, 'second');
    g.output(x, 'echo');
    g.output(consumer, 'sum');
    expect(y.name).toBe('first');
    expect(g.nodes.map((node) => node.opType)).toEqual(['Exp', 'Add', 'Identity', 'Identity']);
    const session = await createModelSession(g.toBytes());
    const results = await session.run({ x: hostTensor('float32', [2], [0, 1]) });
    expect(numbersOf(results.first as HostTensor)).toEqual(numbersOf(results.second as HostTensor));
    expect(numbersOf(results.sum as HostTensor)[0]).toBeCloseTo(1, 6);
    expect(numbersOf(results.echo as HostTensor)).toEqual([0, 1]);
  });
});
