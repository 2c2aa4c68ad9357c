// Builders for the neural-network ops: matrix products, LayerNormalization, tanh-GELU, the fused
// softmax cross-entropy loss, and dropout as a multiply by a fed keep-mask (so runs stay reproducible).

import { attr } from '../attributes.ts';
import type { Value } from '../value.ts';
import { cast, mul, scalarLike } from './math.ts';
import { applySingle } from './single.ts';

export const matMul = (a: Value, b: Value): Value => applySingle(a.graph, 'MatMul', [a, b]);

export interface FusedMatMulOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
}

/** alpha * op(A) @ op(B), op transposing the last two axes when asked (com.microsoft.FusedMatMul). */
export function fusedMatMul(a: Value, b: Value, options: FusedMatMulOptions): Value {
  const attributes = {
    transA: attr.int(options.transA ? 1 : 0),
    transB: attr.int(options.transB ? 1 : 0),
    alpha: attr.float(options.alpha ?? 1),
  };
  return applySingle(a.graph, 'FusedMatMul', [a, b], attributes);
}

export interface LayerNormOptions {
  axis?: number;
  epsilon?: number;
}

/** Y only; in float32 the node also declares its Mean and InvStdDev outputs, which the gradient rule reuses. */
export function layerNorm(x: Value, scale: Value, bias: Value | null, options: LayerNormOptions = {}): Value {
  const attributes = { axis: attr.int(options.axis ?? -1), epsilon: attr.float(options.epsilon ?? 1e-5) };
  // ORT computes the statistics in float32 whatever X is, so only float32 statistics can stand in for recomputed ones.
  const outputCount = x.dtype === 'float32' ? 3 : 1;
  const [y] = x.graph.apply('LayerNormalization', [x, scale, bias], attributes, { outputCount });
  return y as Value;
}

/** GELU with the tanh approximation, as GPT-2 uses; it also runs in float64 where exact GELU's Erf does not. */
export const geluTanh = (x: Value): Value => applySingle(x.graph, 'Gelu', [x], { approximate: attr.string('tanh') });

export function softmaxCrossEntropyLoss(scores: Value, labels: Value, reduction: 'mean' | 'sum' | 'none' = 'mean'): Value {
  return applySingle(scores.graph, 'SoftmaxCrossEntropyLoss', [scores, labels], { reduction: attr.string(reduction) });
}

/** Inverted dropout: x * keepMask / (1 - p); keepMask (bool or float, broadcastable to x) is fed per step. */
export function dropout(x: Value, keepMask: Value, probability: number): Value {
  if (!(probability >= 0 && probability < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${probability}`);
  const scaledMask = mul(cast(keepMask, x.dtype), scalarLike(x, 1 / (1 - probability)));
  return mul(x, scaledMask);
}
