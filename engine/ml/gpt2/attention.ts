// GPT-2's causal multi-head self-attention block (HF GPT2Attention): one fused QKV projection, scaled
// dot products masked to the past with the dtype's lowest value, softmax, dropout, output projection.
// Activations come in and go out as (B*T, C) rows, so every projection is one 2-D product.

import type { Dim } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { headSize, type Gpt2Config } from './config.ts';

/** A term added to a linear layer's output, computed from the same input (LoRA's low-rank update). */
export type LinearAdapter = (x: Value) => Value;

export interface AttentionWeights {
  /** c_attn.weight is (C, 3C): columns are [q | k | v]. */
  qkvWeight: Value;
  qkvBias: Value | null;
  /** c_proj.weight is (C, C). */
  projWeight: Value;
  projBias: Value | null;
  /** Added to the QKV projection's output, (B*T, 3C). */
  qkvAdapter?: LinearAdapter;
  /** Added to the output projection's output, (B*T, C). */
  projAdapter?: LinearAdapter;
}

export interface AttentionDropout {
  probability: number;
  /** Keep-mask on the attention probabilities, (B, H, T, T). */
  attention?: Value;
  /** Keep-mask on the block's output, (B, T, C) or (B*T, C). */
  residual?: Value;
}

export interface AttentionShape {
  batch: Dim;
  time: number;
}

/** x·W + b, plus adapter(x) when one is given; without an adapter the nodes are exactly MatMul (+ Add). */
export function linear(x: Value, weight: Value, bias: Value | null, adapter?: LinearAdapter): Value {
  const product = op.matMul(x, weight);
  const output = bias === null ? product : op.add(product, bias);
  return adapter === undefined ? output : op.add(output, adapter(x));
}

/**
 * x is (B*T, C); returns (B*T, C). `maskBias` is the (T, T) constant from causalMaskBias(), shared by all layers.
 * q, k and v come from one Split of the projection (its gradient is one Concat), then a 4-D head transpose each:
 * ORT's 4-D (0, 2, 1, 3) transpose is several times faster than one 5-D transpose of the whole projection.
 */
export function causalSelfAttention(x: Value, maskBias: Value, weights: AttentionWeights, config: Gpt2Config, shape: AttentionShape, dropout: AttentionDropout): Value {
  const { batch: B, time: T } = shape;
  const [rows, C] = x.shape as [Dim, number];
  const H = config.nHead;
  const D = headSize(config);
  const parts = op.split(linear(x, weights.qkvWeight, weights.qkvBias, weights.qkvAdapter), [C, C, C], 1); // 3 x (B*T, C)
  const [q, k, v] = parts.map((part) => op.transpose(op.reshape(part, [B, T, H, D]), [0, 2, 1, 3])) as [Value, Value, Value]; // (B, H, T, D)
  const scores = op.fusedMatMul(q, k, { transB: true, alpha: 1 / Math.sqrt(D) }); // (B, H, T, T)
  // Adding the lowest value equals HF's where(mask, scores, lowest) after softmax, and its gradient is free.
  let probabilities = op.softmax(op.add(scores, maskBias), -1);
  if (dropout.attention) probabilities = op.dropout(probabilities, dropout.attention, dropout.probability);
  const attended = op.matMul(probabilities, v); // (B, H, T, D)
  const merged = op.reshape(op.transpose(attended, [0, 2, 1, 3]), [rows, C]);
  let output = linear(merged, weights.projWeight, weights.projBias, weights.projAdapter);
  if (dropout.residual) output = op.dropout(output, op.reshape(dropout.residual, output.shape), dropout.probability);
  return output;
}

/** (T, T) constant: 0 where a query may attend to a key (key position <= query position), the lowest value elsewhere. */
export function causalMaskBias(graph: Graph, T: Dim, dtype: 'float32' | 'float64'): Value {
  if (typeof T !== 'number') throw new Error(`causalMaskBias: T must be numeric to build the mask as a constant, got ${T}`);
  return graph.constantData({ dtype, shape: [T, T], data: causalMaskData(1, T, dtype) });
}

/** The most a causal mask constant may take: the ONNX file that holds it must stay under protobuf's 2 GiB. */
const MOST_MASK_BYTES = 2 ** 30;

/**
 * `groups` stacked (T, T) causal masks, row r·T + i attending to keys j ≤ i: 0 there, the dtype's lowest value
 * elsewhere. Refused past MOST_MASK_BYTES with what to do, rather than failing inside the runtime (a plain array of
 * T² numbers used to run the engine's heap out at T ≈ 12,000 and take the whole process down).
 */
export function causalMaskData(groups: number, T: number, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
  const bytes = groups * T * T * (dtype === 'float32' ? 4 : 8);
  if (bytes > MOST_MASK_BYTES) {
    const most = Math.floor(Math.sqrt(MOST_MASK_BYTES / (groups * (dtype === 'float32' ? 4 : 8))));
    throw new Error(`a context (blockSize) of ${T} needs a ${(bytes / 2 ** 30).toFixed(1)} GiB attention mask in the ONNX training graph, more than its ${MOST_MASK_BYTES / 2 ** 30} GiB; lower blockSize to ${most} or less, or train with the torch runner`);
  }
  const lowest = lowestValue(dtype);
  const data = dtype === 'float32' ? new Float32Array(groups * T * T) : new Float64Array(groups * T * T);
  for (let row = 0; row < groups * T; row++) {
    const query = row % T;
    data.fill(lowest, row * T + query + 1, (row + 1) * T);
  }
  return data;
}

/** torch.finfo(dtype).min, which HF writes into masked attention scores. */
export function lowestValue(dtype: 'float32' | 'float64'): number {
  return dtype === 'float32' ? -3.4028234663852886e38 : -Number.MAX_VALUE;
}
