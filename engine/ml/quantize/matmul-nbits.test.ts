// MatMulNBits in onnxruntime-node against a JS dequantize-then-matmul reference on random shapes: bits 4 and 8,
// symmetric and asymmetric, K that the block divides and K that it does not.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS } from '../onnx/model-proto.ts';
import { createModelSession } from '../runtime/session.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { dequantizeBlocks, quantizeBlocks, type BlockQuantizationOptions, type BlockQuantizedWeight } from './block-quantize.ts';
import { matMulNBitsInitializers, matMulNBitsNode, quantizedWeightNames } from './matmul-nbits.ts';

async function runMatMulNBits(a: Float32Array, M: number, quantized: BlockQuantizedWeight, accuracyLevel: number): Promise<Float32Array> {
  const names = quantizedWeightNames('w', quantized);
  const bytes = encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: DEFAULT_OPSETS,
    producerName: 'crucible-test',
    graph: {
      name: 'matmul-nbits',
      nodes: [matMulNBitsNode({ name: 'q', input: 'a', output: 'y', names, quantized, accuracyLevel })],
      initializers: matMulNBitsInitializers(names, quantized),
      inputs: [{ name: 'a', dtype: 'float32', shape: ['M', quantized.K] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['M', quantized.N] }],
    },
  });
  const session = await createModelSession(bytes);
  try {
    const { y } = await session.run({ a: { dtype: 'float32', shape: [M, quantized.K], data: a } });
    return y?.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** a [M, K] · w [K, N] in float64. */
function referenceMatMul(a: Float32Array, w: Float32Array, M: number, K: number, N: number): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) y[m * N + n] = (y[m * N + n] as number) + (a[m * K + k] as number) * (w[k * N + n] as number);
  return y;
}

/**
 * At accuracy level 4 ORT rounds each activation to int8 with a symmetric scale of at most max|a_row| / 127, so an
 * output may move by Σ_k |ŵ_kn| · max|a_row| / 254; the bound adds float32 summation slack.
 */
function int8ActivationBound(a: Float32Array, w: Float32Array, M: number, K: number, N: number, m: number, n: number): number {
  let rowMax = 0;
  for (let k = 0; k < K; k++) rowMax = Math.max(rowMax, Math.abs(a[m * K + k] as number));
  let weightMass = 0;
  for (let k = 0; k < K; k++) weightMass += Math.abs(w[k * N + n] as number);
  return (weightMass * rowMax) / 254 + 1e-4;
}

function randomValues(random: Random, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => random.normal() * scale);
}

const cases: (BlockQuantizationOptions & { K: number; N: number; M: number })[] = [
  { bits: 4, blockSize: 32, symmetric: true, K: 96, N: 24, M: 3 },
  { bits: 4, blockSize: 16, symmetric: false, K: 72, N: 10, M: 2 },
  { bits: 4, blockSize: 64, symmetric: false, K: 100, N: 7, M: 1 },
  { bits: 8, blockSize: 32, symmetric: true, K: 64, N: 33, M: 4 },
  { bits: 8, blockSize: 128, symmetric: false, K: 80, N: 12, M: 2 },
  { bits: 8, blockSize: 16, symmetric: false, K: 48, N: 20, M: 1 },
];

describe('MatMulNBits in onnxruntime-node', () => {
  it.each(cases)('matches dequantize-then-matmul at accuracy level 4 (bits $bits, block $blockSize, symmetric $symmetric, K $K)', async (testCase) => {
    const { K, N, M } = testCase;
    const random = createRandom(testCase.bits * 7 + testCase.blockSize + K);
    const quantized = quantizeBlocks(randomValues(random, K * N, 0.1), K, N, 'kn', testCase);
    const a = randomValues(random, M * K, 1);
    const dequantized = dequantizeBlocks(quantized);
    const expected = referenceMatMul(a, dequantized, M, K, N);
    const actual = await runMatMulNBits(a, M, quantized, 4);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        expect(Math.abs((actual[m * N + n] as number) - (expected[m * N + n] as number))).toBeLessThanOrEqual(int8ActivationBound(a, dequantized, M, K, N, m, n));
      }
    }
  });

  it.each([true, false])('matches it to float32 precision at accuracy level 1 with 4 bits (symmetric %s)', async (symmetric) => {
    const [K, N, M] = [80, 9, 3];
    const random = createRandom(symmetric ? 11 : 12);
    const quantized = quantizeBlocks(randomValues(random, K * N, 0.1), K, N, 'kn', { bits: 4, blockSize: 32, symmetric });
    const a = randomValues(random, M * K, 1);
    const expected = referenceMatMul(a, dequantizeBlocks(quantized), M, K, N);
    const actual = await runMatMulNBits(a, M, quantized, 1);
    for (let index = 0; index < M * N; index++) expect(actual[index]).toBeCloseTo(expected[index] as number, 4);
  });

  it('refuses 8-bit weights below accuracy level 4, the slow fallback', () => {
    const quantized = quantizeBlocks(new Float32Array(32 * 4), 32, 4, 'kn', { bits: 8, blockSize: 32, symmetric: true });
    expect(() => matMulNBitsNode({ name: 'q', input: 'a', output: 'y', names: quantizedWeightNames('w', quantized), quantized, accuracyLevel: 1 })).toThrow(/slow fallback; use accuracy level 4/);
  });
});
