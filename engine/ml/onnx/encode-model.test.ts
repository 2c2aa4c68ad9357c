// Loads hand-built ModelProtos into onnxruntime-node and checks the numbers they compute.
// Covers initializers, every attribute kind, symbolic dims, int64/bool/float64 tensors and com.microsoft ops.

import { describe, expect, it } from 'vitest';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf } from '../tensor/host-tensor.ts';
import { encodeModel } from './encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS, type GraphProto, type NodeProto } from './model-proto.ts';

function modelOf(graph: GraphProto): Uint8Array {
  return encodeModel({ irVersion: DEFAULT_IR_VERSION, opsetImports: DEFAULT_OPSETS, producerName: 'crucible-test', graph });
}

function node(opType: string, inputs: string[], outputs: string[], attributes: NodeProto['attributes'] = {}, domain = ''): NodeProto {
  return { name: `${opType}_${outputs[0]}`, opType, domain, inputs, outputs, attributes };
}

describe('encodeModel', () => {
  it('runs MatMul + Add with a float32 initializer and a symbolic batch dim', async () => {
    const model = modelOf({
      name: 'affine',
      nodes: [node('MatMul', ['x', 'w'], ['xw']), node('Add', ['xw', 'b'], ['y'])],
      initializers: [{ name: 'b', dtype: 'float32', dims: [2], data: Float32Array.from([10, 20]) }],
      inputs: [
        { name: 'x', dtype: 'float32', shape: ['B', 3] },
        { name: 'w', dtype: 'float32', shape: [3, 2] },
      ],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['B', 2] }],
    });
    const session = await createModelSession(model);
    const result = await session.run({
      x: hostTensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]),
      w: hostTensor('float32', [3, 2], [1, 0, 0, 1, 1, 1]),
    });
    expect(result.y?.shape).toEqual([2, 2]);
    expect(numbersOf(result.y!)).toEqual([1 + 3 + 10, 2 + 3 + 20, 4 + 6 + 10, 5 + 6 + 20]);
  });

  it('writes int, ints, float, string and tensor attributes', async () => {
    const model = modelOf({
      name: 'attributes',
      nodes: [
        node('Transpose', ['x'], ['xt'], { perm: { kind: 'ints', value: [1, 0] } }),
        node('Softmax', ['xt'], ['soft'], { axis: { kind: 'int', value: 0 } }),
        node('LeakyRelu', ['x'], ['leaky'], { alpha: { kind: 'float', value: 0.25 } }),
        node('Gelu', ['x'], ['gelu'], { approximate: { kind: 'string', value: 'tanh' } }),
        node('Constant', [], ['seven'], {
          value: { kind: 'tensor', value: { name: 'seven', dtype: 'int64', dims: [2], data: BigInt64Array.from([7n, -7n]) } },
        }),
      ],
      initializers: [],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }],
      outputs: [
        { name: 'soft', dtype: 'float32', shape: [2, 1] },
        { name: 'leaky', dtype: 'float32', shape: [1, 2] },
        { name: 'gelu', dtype: 'float32', shape: [1, 2] },
        { name: 'seven', dtype: 'int64', shape: [2] },
      ],
    });
    const session = await createModelSession(model);
    const result = await session.run({ x: hostTensor('float32', [1, 2], [-2, 1]) });
    const expSum = Math.exp(-2) + Math.exp(1);
    const soft = numbersOf(result.soft!);
    expect(soft[0]).toBeCloseTo(Math.exp(-2) / expSum, 6);
    expect(soft[1]).toBeCloseTo(Math.exp(1) / expSum, 6);
    expect(numbersOf(result.leaky!)).toEqual([-0.5, 1]);
    const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expect(numbersOf(result.gelu!)[0]).toBeCloseTo(tanhGelu(-2), 6);
    expect(numbersOf(result.seven!)).toEqual([7, -7]);
  });

  it('runs com.microsoft FusedMatMul and bool/int64 tensors', async () => {
    const model = modelOf({
      name: 'contrib',
      nodes: [
        node('FusedMatMul', ['a', 'b'], ['ab'], { transB: { kind: 'int', value: 1 }, alpha: { kind: 'float', value: 2 } }, 'com.microsoft'),
        node('Gather', ['table', 'ids'], ['rows']),
        node('Where', ['keep', 'rows', 'zeros'], ['kept']),
      ],
      initializers: [
        { name: 'table', dtype: 'float32', dims: [3, 2], data: Float32Array.from([0, 1, 10, 11, 20, 21]) },
        { name: 'zeros', dtype: 'float32', dims: [1], data: Float32Array.from([0]) },
      ],
      inputs: [
        { name: 'a', dtype: 'float32', shape: [1, 2] },
        { name: 'b', dtype: 'float32', shape: [2, 2] },
        { name: 'ids', dtype: 'int64', shape: [2] },
        { name: 'keep', dtype: 'bool', shape: [2, 1] },
      ],
      outputs: [
        { name: 'ab', dtype: 'float32', shape: [1, 2] },
        { name: 'kept', dtype: 'float32', shape: [2, 2] },
      ],
    });
    const session = await createModelSession(model);
    const result = await session.run({
      a: hostTensor('float32', [1, 2], [1, 2]),
      b: hostTensor('float32', [2, 2], [1, 1, 3, 4]),
      ids: hostTensor('int64', [2], [2, 0]),
      keep: hostTensor('bool', [2, 1], [1, 0]),
    });
    expect(numbersOf(result.ab!)).toEqual([2 * 3, 2 * 11]);
    expect(numbersOf(result.kept!)).toEqual([20, 21, 0, 0]);
  });

  it('rejects tensors whose data does not match their dims', () => {
    expect(() =>
      modelOf({
        name: 'bad',
        nodes: [],
        initializers: [{ name: 'w', dtype: 'float32', dims: [2, 2], data: new Float32Array(3) }],
        inputs: [],
        outputs: [],
      }),
    ).toThrow(/tensor "w": dims \[2,2\] hold 4 elements but the data has 3/);
  });
});
