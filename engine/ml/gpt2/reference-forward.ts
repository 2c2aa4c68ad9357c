// A slow plain-loop GPT-2 forward in float64, written straight from HF GPT2LMHeadModel's definition.
// Only tests use it, to check the ONNX graph's layouts (Conv1D [in, out], q|k|v split, head order).

import type { HostTensor } from '../tensor/host-tensor.ts';
import { headSize, type Gpt2Config } from './config.ts';
import type { ParameterSet } from './parameters.ts';

type Matrix = Float64Array[]; // rows

function weights(parameters: ParameterSet, name: string): Float64Array {
  const tensor = parameters.get(name) as HostTensor | undefined;
  if (tensor === undefined) throw new Error(`reference forward: parameter "${name}" is missing`);
  return Float64Array.from(tensor.data as Float32Array | Float64Array);
}

/** rows (T, in) @ weight (in, out) + bias. */
function linear(rows: Matrix, weight: Float64Array, bias: Float64Array | null, outFeatures: number): Matrix {
  return rows.map((row) => {
    const out = new Float64Array(outFeatures);
    row.forEach((value, i) => {
      for (let j = 0; j < outFeatures; j++) out[j] = (out[j] as number) + value * (weight[i * outFeatures + j] as number);
    });
    if (bias) out.forEach((value, j) => (out[j] = value + (bias[j] as number)));
    return out;
  });
}

function layerNorm(rows: Matrix, scale: Float64Array, bias: Float64Array | null, epsilon: number): Matrix {
  return rows.map((row) => {
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
    return row.map((value, j) => ((value - mean) / Math.sqrt(variance + epsilon)) * (scale[j] as number) + (bias ? (bias[j] as number) : 0));
  });
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function attention(rows: Matrix, config: Gpt2Config): Matrix {
  const C = config.nEmbd;
  const D = headSize(config);
  const T = rows.length;
  const out: Matrix = rows.map(() => new Float64Array(C));
  for (let head = 0; head < config.nHead; head++) {
    const at = (t: number, part: number, d: number) => (rows[t] as Float64Array)[part * C + head * D + d] as number;
    for (let query = 0; query < T; query++) {
      const scores = Array.from({ length: query + 1 }, (_, key) => {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += at(query, 0, d) * at(key, 1, d);
        return dot / Math.sqrt(D);
      });
      const max = Math.max(...scores);
      const exps = scores.map((score) => Math.exp(score - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let d = 0; d < D; d++) {
        let sum = 0;
        exps.forEach((weight, key) => (sum += (weight / total) * at(key, 2, d)));
        (out[query] as Float64Array)[head * D + d] = sum;
      }
    }
  }
  return out;
}

/** Logits (B*T*V, row-major) and the mean cross-entropy against `targets`, without dropout. */
export function referenceGpt2Forward(
  config: Gpt2Config,
  parameters: ParameterSet,
  tokens: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
): { logits: number[]; loss: number } {
  const C = config.nEmbd;
  const p = (name: string) => weights(parameters, name);
  const maybe = (name: string) => (config.bias ? p(name) : null);
  const [wte, wpe] = [p('transformer.wte.weight'), p('transformer.wpe.weight')];
  const logits: number[] = [];
  let lossSum = 0;
  tokens.forEach((sequence, b) => {
    let x: Matrix = sequence.map((token, t) => Float64Array.from({ length: C }, (_, c) => (wte[token * C + c] as number) + (wpe[t * C + c] as number)));
    for (let layer = 0; layer < config.nLayer; layer++) {
      const h = `transformer.h.${layer}`;
      const normed = layerNorm(x, p(`${h}.ln_1.weight`), maybe(`${h}.ln_1.bias`), config.layerNormEpsilon);
      const qkv = linear(normed, p(`${h}.attn.c_attn.weight`), maybe(`${h}.attn.c_attn.bias`), 3 * C);
      const attended = linear(attention(qkv, config), p(`${h}.attn.c_proj.weight`), maybe(`${h}.attn.c_proj.bias`), C);
      x = x.map((row, t) => row.map((value, c) => value + ((attended[t] as Float64Array)[c] as number)));
      const normed2 = layerNorm(x, p(`${h}.ln_2.weight`), maybe(`${h}.ln_2.bias`), config.layerNormEpsilon);
      const hidden = linear(normed2, p(`${h}.mlp.c_fc.weight`), maybe(`${h}.mlp.c_fc.bias`), 4 * C).map((row) => row.map(gelu));
      const mlpOut = linear(hidden, p(`${h}.mlp.c_proj.weight`), maybe(`${h}.mlp.c_proj.bias`), C);
      x = x.map((row, t) => row.map((value, c) => value + ((mlpOut[t] as Float64Array)[c] as number)));
    }
    const final = layerNorm(x, p('transformer.ln_f.weight'), maybe('transformer.ln_f.bias'), config.layerNormEpsilon);
    final.forEach((row, t) => {
      const rowLogits = Array.from({ length: config.vocabSize }, (_, v) => row.reduce((sum, value, c) => sum + value * (wte[v * C + c] as number), 0));
      logits.push(...rowLogits);
      const max = Math.max(...rowLogits);
      const logSumExp = max + Math.log(rowLogits.reduce((sum, value) => sum + Math.exp(value - max), 0));
      lossSum += logSumExp - (rowLogits[(targets[b] as number[])[t] as number] as number);
    });
  });
  return { logits, loss: lossSum / (tokens.length * (tokens[0]?.length ?? 1)) };
}
