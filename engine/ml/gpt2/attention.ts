// GPT-2's causal multi-head self-attention block (HF GPT2Attention): one fused QKV projection, scaled
// dot products masked to the past with the dtype's lowest value, softmax, dropout, output projection.

import type { Dim } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { headSize, type Gpt2Config } from './config.ts';

export interface AttentionWeights {
  /** c_attn.weight is (C, 3C): columns are [q | k | v]. */
  qkvWeight: Value;
  qkvBias: Value | null;
  /** c_proj.weight is (C, C). */
  projWeight: Value;
  projBias: Value | null;
}

export interface AttentionDropout {
  probability: number;
  /** Keep-mask on the attention probabilities, (B, H, T, T). */
  attention?: Value;
  /** Keep-mask on the block's output, (B, T, C). */
  residual?: Value;
}

export function linear(x: Value, weight: Value, bias: Value | null): Value {
  const product = op.matMul(x, weight);
  return bias === null ? product : op.add(product, bias);
}

/** x is (B, T, C); returns (B, T, C). `allowed` is the (T, T) mask from causalMask(), shared by all layers. */
export function causalSelfAttention(x: Value, allowed: Value, weights: AttentionWeights, config: Gpt2Config, dropout: AttentionDropout): Value {
  const [B, T, C] = x.shape as [Dim, Dim, number];
  const H = config.nHead;
  const D = headSize(config);
  const qkv = linear(x, weights.qkvWeight, weights.qkvBias); // (B, T, 3C)
  const heads = (part: number) => {
    const slice = op.slice(qkv, { starts: [part * C], ends: [(part + 1) * C], axes: [2] }); // (B, T, C)
    return op.transpose(op.reshape(slice, [B, T, H, D]), [0, 2, 1, 3]); // (B, H, T, D)
  };
  const [q, k, v] = [heads(0), heads(1), heads(2)];
  const scores = op.fusedMatMul(q, k, { transB: true, alpha: 1 / Math.sqrt(D) }); // (B, H, T, T)
  const masked = op.where(allowed, scores, op.scalarLike(scores, lowestValue(scores)));
  let probabilities = op.softmax(masked, -1);
  if (dropout.attention) probabilities = op.dropout(probabilities, dropout.attention, dropout.probability);
  const attended = op.matMul(probabilities, v); // (B, H, T, D)
  const merged = op.reshape(op.transpose(attended, [0, 2, 1, 3]), [B, T, C]);
  let output = linear(merged, weights.projWeight, weights.projBias);
  if (dropout.residual) output = op.dropout(output, dropout.residual, dropout.probability);
  return output;
}

/** (T, T) bool constant, true where a query may attend to a key (key position <= query position). */
export function causalMask(graph: Graph, T: Dim): Value {
  if (typeof T !== 'number') throw new Error(`causalMask: T must be numeric to build the mask as a constant, got ${T}`);
  const allowed = Array.from({ length: T * T }, (_, index) => (index % T <= Math.floor(index / T) ? 1 : 0));
  return graph.constant('bool', [T, T], allowed);
}

/** torch.finfo(dtype).min, which HF writes into masked attention scores. */
function lowestValue(value: Value): number {
  return value.dtype === 'float32' ? -3.4028234663852886e38 : -Number.MAX_VALUE;
}
