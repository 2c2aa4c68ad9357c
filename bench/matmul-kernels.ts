// What ONNX Runtime's CPU matmul kernels give on one layer's projections of a GPT-2-shaped model, at one row (a
// single stream's decode step) and at several (a batched step), 1 thread: the floor under the step decoder's time
// once everything around the kernels is gone. Each kernel runs alone in a one-node session; the cost of a run with
// no work (an Identity over the same input) is subtracted, so what is left is the kernel.
//
// Kernels: float32 MatMul; MatMulNBits with 4- and 8-bit block-32 weights at accuracy level 4 (the quantize node's
// defaults, what Crucible serves); and, as a reference that Crucible does not use, DynamicQuantizeMatMul with
// per-column int8 weights (ORT's int8 GEMM, MLAS QGEMM).
//
// `node --import tsx bench/matmul-kernels.ts [--width 384] [--layers 6] [--rows 1,16] [--runs 7]`: the shapes are one
// GPT-2 layer's (C×3C, C×C, C×4C, 4C×C); `--layers` scales the per-layer time to a whole model's.

import { parseArgs } from 'node:util';
import type * as Ort from 'onnxruntime-node';
import { encodeModel } from '../engine/ml/onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS, type NodeProto, type TensorProto } from '../engine/ml/onnx/model-proto.ts';
import { ort } from '../engine/ml/runtime/load-ort.ts';
import { quantizeBlocks } from '../engine/ml/quantize/block-quantize.ts';
import { DEFAULT_ACCURACY_LEVEL, matMulNBitsInitializers, matMulNBitsNode, quantizedWeightNames } from '../engine/ml/quantize/matmul-nbits.ts';
import { median } from './median.ts';

const KERNELS = ['float32 MatMul', 'MatMulNBits int4', 'MatMulNBits int8', 'DynamicQuantizeMatMul u8 (reference)'] as const;
type Kernel = (typeof KERNELS)[number];

/** A one-node model's bytes and what its weights take (the initializers' bytes: what a run reads of them). */
interface KernelModel {
  bytes: Uint8Array;
  weightBytes: number;
}

function oneNodeModel(node: NodeProto, initializers: TensorProto[], K: number, N: number): KernelModel {
  const bytes = encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: DEFAULT_OPSETS,
    producerName: 'crucible-bench',
    graph: { name: 'kernel', nodes: [node], initializers, inputs: [{ name: 'a', dtype: 'float32', shape: ['M', K] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['M', N] }] },
  });
  return { bytes, weightBytes: initializers.reduce((sum, tensor) => sum + tensor.data.byteLength, 0) };
}

/** A K×N weight [K, N] run by `kernel`. */
function kernelModel(kernel: Kernel, weight: Float32Array, K: number, N: number): KernelModel {
  if (kernel === 'float32 MatMul') {
    return oneNodeModel({ name: 'm', opType: 'MatMul', domain: '', inputs: ['a', 'w'], outputs: ['y'], attributes: {} }, [{ name: 'w', dtype: 'float32', dims: [K, N], data: weight }], K, N);
  }
  if (kernel === 'DynamicQuantizeMatMul u8 (reference)') {
    // Per-column symmetric int8 around zero point 128.
    const scales = new Float32Array(N);
    const codes = new Uint8Array(K * N);
    for (let n = 0; n < N; n++) {
      let largest = 0;
      for (let k = 0; k < K; k++) largest = Math.max(largest, Math.abs(weight[k * N + n]!));
      scales[n] = largest / 127 || 1;
      for (let k = 0; k < K; k++) codes[k * N + n] = 128 + Math.round(weight[k * N + n]! / scales[n]!);
    }
    const node: NodeProto = { name: 'd', opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', inputs: ['a', 'w', 's', 'z'], outputs: ['y'], attributes: {} };
    return oneNodeModel(node, [
      { name: 'w', dtype: 'uint8', dims: [K, N], data: codes },
      { name: 's', dtype: 'float32', dims: [N], data: scales },
      { name: 'z', dtype: 'uint8', dims: [N], data: new Uint8Array(N).fill(128) },
    ], K, N);
  }
  const quantized = quantizeBlocks(weight, K, N, 'kn', { bits: kernel === 'MatMulNBits int4' ? 4 : 8, blockSize: 32, symmetric: true });
  const names = quantizedWeightNames('w', quantized);
  return oneNodeModel(matMulNBitsNode({ name: 'q', input: 'a', output: 'y', names, quantized, accuracyLevel: DEFAULT_ACCURACY_LEVEL }), matMulNBitsInitializers(names, quantized), K, N);
}

function identityModel(K: number): Uint8Array {
  return oneNodeModel({ name: 'i', opType: 'Identity', domain: '', inputs: ['a'], outputs: ['y'], attributes: {} }, [], K, K).bytes;
}

/** Median ms per run over `runs` rounds of `calls` runs each, after a warm-up. */
async function msPerRun(session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>, calls: number, runs: number): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < runs; round++) {
    for (let warm = 0; warm < 10; warm++) await session.run(feeds);
    const started = performance.now();
    for (let call = 0; call < calls; call++) await session.run(feeds);
    rounds.push((performance.now() - started) / calls);
  }
  return median(rounds);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { width: { type: 'string', default: '384' }, layers: { type: 'string', default: '6' }, rows: { type: 'string', default: '1,16' }, runs: { type: 'string', default: '7' } } });
  const C = Number(values.width);
  const layers = Number(values.layers);
  const rowCounts = values.rows.split(',').map(Number);
  const runs = Number(values.runs);
  if (!Number.isInteger(C) || C < 8 || !Number.isInteger(layers) || layers < 1 || rowCounts.some((rows) => !Number.isInteger(rows) || rows < 1) || !Number.isInteger(runs) || runs < 1) {
    throw new Error('bench/matmul-kernels: --width (≥ 8), --layers, --rows (positive whole numbers) and --runs must be positive whole numbers');
  }
  const shapes: [number, number][] = [[C, 3 * C], [C, C], [C, 4 * C], [4 * C, C]];
  const macsPerLayer = shapes.reduce((sum, [K, N]) => sum + K * N, 0);
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
  console.log(`ONNX Runtime CPU kernels on one GPT-2 layer's projections (width ${C}: ${shapes.map(([K, N]) => `${K}×${N}`).join(', ')}), 1 thread, medians of ${runs} rounds, run overhead subtracted\n`);
  console.log(`| rows | kernel | µs per layer | ms for ${layers} layers | GMAC/s | weight bytes per layer | weight GB/s |`);
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  // Per row count and kernel: the summed ms and weight bytes over the layer's shapes. Each shape's weight is
  // quantized and loaded once and then measured at every row count.
  const totals = new Map(rowCounts.map((rows) => [rows, new Map<Kernel, { ms: number; bytes: number }>(KERNELS.map((kernel) => [kernel, { ms: 0, bytes: 0 }]))]));
  for (const [K, N] of shapes) {
    const weight = Float32Array.from({ length: K * N }, () => Math.random() - 0.5);
    const identity = await ort().InferenceSession.create(identityModel(K), options);
    const kernels = await Promise.all(KERNELS.map(async (kernel) => {
      const model = kernelModel(kernel, weight, K, N);
      return { kernel, weightBytes: model.weightBytes, session: await ort().InferenceSession.create(model.bytes, options) };
    }));
    for (const rows of rowCounts) {
      const feeds = { a: new (ort().Tensor)('float32', Float32Array.from({ length: rows * K }, () => Math.random() - 0.5), [rows, K]) };
      const calls = Math.max(20, Math.round(400 / rows));
      const overhead = await msPerRun(identity, feeds, calls, runs);
      for (const { kernel, weightBytes, session } of kernels) {
        const total = totals.get(rows)!.get(kernel)!;
        total.ms += Math.max(0, (await msPerRun(session, feeds, calls, runs)) - overhead);
        total.bytes += weightBytes;
      }
    }
    await identity.release();
    for (const { session } of kernels) await session.release();
  }
  for (const [rows, perKernel] of totals) {
    for (const [kernel, { ms, bytes }] of perKernel) {
      console.log(`| ${rows} | ${kernel} | ${(ms * 1000).toFixed(0)} | ${(ms * layers).toFixed(2)} | ${((rows * macsPerLayer) / ms / 1e6).toFixed(1)} | ${(bytes / 1e6).toFixed(2)} MB | ${(bytes / ms / 1e6).toFixed(1)} |`);
    }
  }
}

await main();
