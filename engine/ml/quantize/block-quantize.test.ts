// Tests for block quantization: dequantized weights within half a step of the originals for every bits / block /
// symmetry combination, nibble order, padding when the block does not divide K, and both weight layouts.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../tensor/random.ts';
import { bytesPerBlock, dequantizeBlocks, quantizeBlocks, zeroPointOf, type BlockQuantizationOptions, type BlockQuantizedWeight } from './block-quantize.ts';

function randomWeight(count: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: count }, () => random.normal() * 0.05 + (random.uniform() < 0.1 ? 0.02 : 0));
}

/** Largest |w − ŵ| / scale over all weights: at most 0.5 when every code is rounded, never clamped. */
function worstErrorInSteps(weight: Float32Array, quantized: BlockQuantizedWeight): number {
  const restored = dequantizeBlocks(quantized);
  let worst = 0;
  for (let k = 0; k < quantized.K; k++) {
    for (let n = 0; n < quantized.N; n++) {
      const scale = quantized.scales[n * quantized.kBlocks + Math.floor(k / quantized.blockSize)] as number;
      worst = Math.max(worst, Math.abs((weight[k * quantized.N + n] as number) - (restored[k * quantized.N + n] as number)) / scale);
    }
  }
  return worst;
}

const combinations: BlockQuantizationOptions[] = [4, 8].flatMap((bits) =>
  [16, 32, 64, 128].flatMap((blockSize) => [true, false].map((symmetric) => ({ bits, blockSize, symmetric }) as BlockQuantizationOptions)),
);

describe('quantizeBlocks', () => {
  it.each(combinations)('reproduces weights within half a step (bits $bits, block $blockSize, symmetric $symmetric)', (options) => {
    const [K, N] = [200, 7];
    const weight = randomWeight(K * N, options.bits * 1000 + options.blockSize);
    const quantized = quantizeBlocks(weight, K, N, 'kn', options);
    expect(quantized.kBlocks).toBe(Math.ceil(K / options.blockSize));
    expect(quantized.packed.length).toBe(N * quantized.kBlocks * bytesPerBlock(options));
    expect(quantized.zeroPoints === null).toBe(options.symmetric);
    expect(worstErrorInSteps(weight, quantized)).toBeLessThanOrEqual(0.5 + 1e-5);
  });

  it('uses the whole code range: 4-bit symmetric errors are about 1/14 of the block maximum', () => {
    const weight = randomWeight(64 * 8, 3);
    const quantized = quantizeBlocks(weight, 64, 8, 'kn', { bits: 4, blockSize: 32, symmetric: true });
    const restored = dequantizeBlocks(quantized);
    const blockMax = Math.max(...Array.from(weight, Math.abs));
    const worst = Math.max(...Array.from(weight, (value, index) => Math.abs(value - (restored[index] as number))));
    expect(worst).toBeLessThanOrEqual(blockMax / 14 + 1e-6);
    expect(worst).toBeGreaterThan(0);
  });

  it('puts the even k in the low nibble and the odd k in the high nibble', () => {
    const K = 16;
    const weight = Float32Array.from({ length: K }, (_, k) => (k === 0 ? 7 : k === 1 ? -7 : 0));
    const quantized = quantizeBlocks(weight, K, 1, 'kn', { bits: 4, blockSize: 16, symmetric: true });
    expect(quantized.scales[0]).toBeCloseTo(1, 6);
    expect(quantized.packed[0]).toBe(15 | (1 << 4));
    expect(quantized.packed[1]).toBe(8 | (8 << 4));
  });

  it('packs asymmetric zero points two per byte, low nibble first', () => {
    const K = 32;
    const weight = Float32Array.from({ length: K }, (_, k) => (k < 16 ? 0.1 + k * 0.01 : -0.3 + k * 0.001));
    const quantized = quantizeBlocks(weight, K, 1, 'kn', { bits: 4, blockSize: 16, symmetric: false });
    expect(quantized.zeroPoints?.length).toBe(1);
    expect(zeroPointOf(quantized, 0, 0)).toBe(0);
    expect(zeroPointOf(quantized, 0, 1)).toBe(15);
    expect(quantized.zeroPoints?.[0]).toBe(0 | (15 << 4));
  });

  it('pads a block that does not divide K with codes that dequantize to zero', () => {
    const [K, N] = [40, 3];
    const weight = randomWeight(K * N, 9);
    const quantized = quantizeBlocks(weight, K, N, 'kn', { bits: 8, blockSize: 32, symmetric: false });
    expect(quantized.kBlocks).toBe(2);
    const paddingCode = quantized.packed[(0 * 2 + 1) * 32 + 20];
    expect(paddingCode).toBe(zeroPointOf(quantized, 0, 1));
    expect(worstErrorInSteps(weight, quantized)).toBeLessThanOrEqual(0.5 + 1e-5);
  });

  it('reads an [N, K] weight the same as its [K, N] transpose', () => {
    const [K, N] = [48, 5];
    const kn = randomWeight(K * N, 4);
    const nk = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) nk[n * K + k] = kn[k * N + n] as number;
    const options: BlockQuantizationOptions = { bits: 4, blockSize: 16, symmetric: false };
    const fromKn = quantizeBlocks(kn, K, N, 'kn', options);
    const fromNk = quantizeBlocks(nk, K, N, 'nk', options);
    expect(fromNk.packed).toEqual(fromKn.packed);
    expect(fromNk.scales).toEqual(fromKn.scales);
  });

  it('keeps an all-zero block exact', () => {
    const quantized = quantizeBlocks(new Float32Array(32), 16, 2, 'kn', { bits: 4, blockSize: 16, symmetric: true });
    expect(Array.from(dequantizeBlocks(quantized))).toEqual(new Array(32).fill(0));
  });

  it('rejects a weight whose length does not match K×N', () => {
    expect(() => quantizeBlocks(new Float32Array(10), 4, 4, 'kn', { bits: 4, blockSize: 16, symmetric: true })).toThrow(/4×4 weight needs 16 values, got 10/);
  });
});
