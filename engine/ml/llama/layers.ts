// Llama's graph building blocks, as Hugging Face's modeling_llama computes them: RMSNorm, a linear layer over torch's
// [out, in] weights, the SwiGLU MLP, rotary position embeddings (HF's half-split `rotate_half`) and grouped-query
// attention's key/value head repetition. The training forward (forward.ts) and the KV decoders build from these.
// Activations are (B*T, C) rows between layers; attention works on (B, heads, T, D).

import type { Dim } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { causalMaskData } from '../gpt2/attention.ts';

/** A term added to a linear layer's output, computed from the same input (LoRA's low-rank update). */
export type LinearAdapter = (x: Value) => Value;

type FloatDType = 'float32' | 'float64';

/** x·Wᵀ + b for a torch Linear weight W (out, in), plus adapter(x) when one is given. x is (rows, in). */
export function linearOut(x: Value, weight: Value, bias: Value | null, adapter?: LinearAdapter): Value {
  const product = op.fusedMatMul(x, weight, { transB: true });
  const output = bias === null ? product : op.add(product, bias);
  return adapter === undefined ? output : op.add(output, adapter(x));
}

/** HF LlamaRMSNorm: x / sqrt(mean(x², last axis) + ε) · weight. */
export function rmsNorm(x: Value, weight: Value, epsilon: number): Value {
  const meanSquare = op.reduceMean(op.mul(x, x), [-1]);
  const rms = op.sqrt(op.add(meanSquare, op.scalarLike(meanSquare, epsilon)));
  return op.mul(op.div(x, rms), weight);
}

/**
 * SiLU (swish): x · sigmoid(x). In float32 ORT fuses exactly this pair into its QuickGelu kernel; that kernel has no
 * float64 version, so float64 graphs (gradient checks, references) spell it x / (1 + e^-x), which no fusion matches.
 */
export function silu(x: Value): Value {
  if (x.dtype === 'float32') return op.mul(x, op.sigmoid(x));
  return op.div(x, op.add(op.scalarLike(x, 1), op.exp(op.neg(x))));
}

export interface SwiGluWeights {
  gate: Value;
  up: Value;
  down: Value;
  gateBias?: Value | null;
  upBias?: Value | null;
  downBias?: Value | null;
  gateAdapter?: LinearAdapter;
  upAdapter?: LinearAdapter;
  downAdapter?: LinearAdapter;
}

/** HF LlamaMLP: down_proj(silu(gate_proj(x)) · up_proj(x)). x is (rows, C); returns (rows, C). */
export function swiGluMlp(x: Value, weights: SwiGluWeights): Value {
  const gate = linearOut(x, weights.gate, weights.gateBias ?? null, weights.gateAdapter);
  const up = linearOut(x, weights.up, weights.upBias ?? null, weights.upAdapter);
  return linearOut(op.mul(silu(gate), up), weights.down, weights.downBias ?? null, weights.downAdapter);
}

/** RoPE's inverse frequencies θ^(-2i/D) for i < D/2, in float32 as HF computes them. */
export function rotaryInverseFrequencies(headDim: number, ropeTheta: number): number[] {
  if (headDim % 2 !== 0) throw new Error(`rotary: headDim (${headDim}) must be even`);
  return Array.from({ length: headDim / 2 }, (_, index) => Math.fround(1 / Math.pow(ropeTheta, (2 * index) / headDim)));
}

/**
 * The rotation tables for one sequence of positions, broadcastable against (B, heads, T, D):
 * `cos` is cos(p·f) over both halves (HF's cat(freqs, freqs)); `sinSigned` is sin(p·f) with its first half negated,
 * so that rotate_half(x)·sin = swapHalves(x)·sinSigned and applyRotary needs no Neg.
 */
export interface RotaryTables {
  cos: Value;
  sinSigned: Value;
}

/** Constant tables for positions 0..T-1, shape (T, D): what a training forward over whole windows uses. */
export function rotaryTablesForLength(graph: Graph, time: number, headDim: number, ropeTheta: number, dtype: FloatDType): RotaryTables {
  const inverse = rotaryInverseFrequencies(headDim, ropeTheta);
  const half = headDim / 2;
  const cos: number[] = [];
  const sinSigned: number[] = [];
  for (let position = 0; position < time; position++) {
    // HF multiplies in float32: round the angle as it does, then take cos/sin.
    const angles = inverse.map((frequency) => Math.fround(position * frequency));
    for (let index = 0; index < headDim; index++) {
      const angle = angles[index % half] as number;
      cos.push(Math.cos(angle));
      sinSigned.push(index < half ? -Math.sin(angle) : Math.sin(angle));
    }
  }
  return { cos: graph.constant(dtype, [time, headDim], cos), sinSigned: graph.constant(dtype, [time, headDim], sinSigned) };
}

/**
 * Tables computed in the graph from position ids (int64, (B, T)), shape (B, 1, T, D): what a KV decoder fed
 * `position_ids` uses. Angles are computed in float32 (HF's precision) and cast to `dtype`.
 */
export function rotaryTablesFromPositions(positions: Value, headDim: number, ropeTheta: number, dtype: FloatDType): RotaryTables {
  const graph = positions.graph;
  const half = headDim / 2;
  const inverse = graph.constant('float32', [half], rotaryInverseFrequencies(headDim, ropeTheta));
  const angles = op.mul(op.unsqueeze(op.cast(positions, 'float32'), [-1]), inverse); // (B, T, D/2)
  const [cosHalf, sinHalf] = [op.cast(op.cos(angles), dtype), op.cast(op.sin(angles), dtype)];
  const cos = op.concat([cosHalf, cosHalf], -1);
  const sinSigned = op.concat([op.neg(sinHalf), sinHalf], -1);
  return { cos: op.unsqueeze(cos, [1]), sinSigned: op.unsqueeze(sinSigned, [1]) }; // (B, 1, T, D)
}

/** HF apply_rotary_pos_emb on one of q or k: x·cos + rotate_half(x)·sin. x is (B, heads, T, D). */
export function applyRotary(x: Value, tables: RotaryTables): Value {
  const headDim = x.shape[x.shape.length - 1];
  if (typeof headDim !== 'number') throw new Error('applyRotary: the head dim must be known when the graph is built');
  const [first, second] = op.split(x, [headDim / 2, headDim / 2], -1) as [Value, Value];
  const swapped = op.concat([second, first], -1);
  return op.add(op.mul(x, tables.cos), op.mul(swapped, tables.sinSigned));
}

/**
 * HF repeat_kv: (B, K, T, D) → (B, K·groups, T, D), each key/value head repeated for the `groups` query heads that
 * share it (query head h reads key/value head floor(h / groups)). Returns x itself when groups is 1.
 */
export function repeatKvHeads(x: Value, groups: number): Value {
  if (groups === 1) return x;
  const [B, K, T, D] = x.shape as [Dim, number, Dim, number];
  return op.reshape(op.expand(op.unsqueeze(x, [2]), [B, K, groups, T, D]), [B, K * groups, T, D]);
}

/** (rows, heads·D) projection rows → (B, heads, T, D). */
export function splitHeads(x: Value, batch: Dim, time: Dim, heads: number, headDim: number): Value {
  return op.transpose(op.reshape(x, [batch, time, heads, headDim]), [0, 2, 1, 3]);
}

/** (B, heads, T, D) → (rows, heads·D). */
export function mergeHeads(x: Value, rows: Dim): Value {
  const [, heads, , headDim] = x.shape as [Dim, number, Dim, number];
  return op.reshape(op.transpose(x, [0, 2, 1, 3]), [rows, heads * headDim]);
}

export interface GroupedAttentionOptions {
  /** Query heads per key/value head. */
  groups: number;
  /** (groups·T, T) additive mask from groupedCausalMaskBias, shared by every layer. */
  maskBias: Value;
  /** Attention dropout: a keep-mask (B, H, T, T) and its probability. */
  dropout?: { keep: Value; probability: number };
}

/**
 * Causal attention over a whole window with grouped key/value heads, without materialising repeated keys/values:
 * q (B, H, T, D) with H = K·groups is viewed as (B, K, groups·T, D) (query head h = k·groups + r, HF's repeat_kv
 * order), so each key/value head meets its group's queries in one product. Returns (B, H, T, D).
 */
export function groupedCausalAttention(q: Value, k: Value, v: Value, options: GroupedAttentionOptions): Value {
  const [B, H, T, D] = q.shape as [Dim, number, number, number];
  const K = k.shape[1] as number;
  const grouped = op.reshape(q, [B, K, options.groups * T, D]);
  const scores = op.fusedMatMul(grouped, k, { transB: true, alpha: 1 / Math.sqrt(D) }); // (B, K, g·T, T)
  let probabilities = op.softmax(op.add(scores, options.maskBias), -1);
  if (options.dropout) {
    probabilities = op.dropout(probabilities, op.reshape(options.dropout.keep, probabilities.shape), options.dropout.probability);
  }
  return op.reshape(op.matMul(probabilities, v), [B, H, T, D]);
}

/** (groups·T, T) constant: row r·T + i may attend to keys j ≤ i; the dtype's lowest value elsewhere (HF's mask fill). */
export function groupedCausalMaskBias(graph: Graph, time: number, groups: number, dtype: FloatDType): Value {
  return graph.constantData({ dtype, shape: [groups * time, time], data: causalMaskData(groups, time, dtype) });
}
