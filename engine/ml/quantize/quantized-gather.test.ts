// The in-graph dequantizing embedding lookup against the JS dequantize reference: rows read from the packed
// table match dequantizeBlocks exactly, for bits 4 and 8, symmetric and asymmetric, padded and unpadded widths.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS } from '../onnx/model-proto.ts';
import { createModelSession } from '../runtime/session.ts';
import { createRandom } from '../tensor/random.ts';
import { dequantizeBlocks, quantizeBlocks, type BlockQuantizationOptions } from './block-quantize.ts';
import { matMulNBitsInitializers, quantizedWeightNames } from './matmul-nbits.ts';
import { dequantizingGather } from './quantized-gather.ts';

const cases: (BlockQuantizationOptions & { V: number; K: number })[] = [
  { bits: 4, blockSize: 16, symmetric: true, V: 11, K: 32 },
  { bits: 4, blockSize: 32, symmetric: false, V: 9, K: 40 },
  { bits: 4, blockSize: 16, symmetric: false, V: 5, K: 80 },
  { bits: 8, blockSize: 16, symmetric: true, V: 7, K: 24 },
  { bits: 8, blockSize: 32, symmetric: false, V: 13, K: 64 },
];

describe('dequantizingGather', () => {
  it.each(cases)('reads the dequantized rows (bits $bits, block $blockSize, symmetric $symmetric, K $K)', async (testCase) => {
    const { V, K } = testCase;
    const random = createRandom(V * K + testCase.bits);
    const table = Float32Array.from({ length: V * K }, () => random.normal() * 0.1);
    const quantized = quantizeBlocks(table, K, V, 'nk', testCase);
    const names = quantizedWeightNames('wte', quantized);
    const piece = dequantizingGather({ gather: { name: 'embed', opType: 'Gather', domain: '', inputs: ['wte', 'ids'], outputs: ['rows'], attributes: {} }, names, quantized });
    const bytes = encodeModel({
      irVersion: DEFAULT_IR_VERSION,
      opsetImports: DEFAULT_OPSETS,
      producerName: 'crucible-test',
      graph: {
        name: 'gather',
        nodes: piece.nodes,
        initializers: [...matMulNBitsInitializers(names, quantized), ...piece.initializers],
        inputs: [{ name: 'ids', dtype: 'int64', shape: [2, 3] }],
        outputs: [{ name: 'rows', dtype: 'float32', shape: [2, 3, K] }],
      },
    });
    const ids = [0, V - 1, 2, 2, 1, V - 2];
    const session = await createModelSession(bytes);
    const { rows } = await session.run({ ids: { dtype: 'int64', shape: [2, 3], data: BigInt64Array.from(ids, BigInt) } });
    await session.release();
    expect(rows?.shape).toEqual([2, 3, K]);
    const reference = dequantizeBlocks(quantized); // [K, V]
    const expected = ids.flatMap((id) => Array.from({ length: K }, (_, k) => reference[k * V + id] as number));
    Array.from(rows?.data as Float32Array).forEach((value, index) => expect(value).toBeCloseTo(expected[index] as number, 6));
  });

  it('refuses a Gather on another axis', () => {
    const quantized = quantizeBlocks(new Float32Array(32), 16, 2, 'nk', { bits: 4, blockSize: 16, symmetric: true });
    const gather = { name: 'g', opType: 'Gather', domain: '', inputs: ['w', 'i'], outputs: ['o'], attributes: { axis: { kind: 'int' as const, value: 1 } } };
    expect(() => dequantizingGather({ gather, names: quantizedWeightNames('w', quantized), quantized })).toThrow(/only row lookups \(axis 0\)/);
  });
});
