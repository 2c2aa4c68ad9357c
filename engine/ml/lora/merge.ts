// Folds trained LoRA adapters into the base weights, so the fine-tuned model is a plain GPT-2 or Llama that every
// downstream node (evaluate, quantize, export, deploy) reads unchanged: W' = W + scale · (B·A)ᵀ for GPT-2's Conv1D
// [in, out] weights, W' = W + scale · B·A for Llama's Linear [out, in] weights.

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { loraAdapterSites, loraScale, type LoraOptions } from './lora-parameters.ts';

type FloatData = Float32Array | Float64Array;

/**
 * The base parameters (the family's names only, in spec order) with each adapter merged into its linear weight. Weights
 * without an adapter are the given tensors, not copies; merged ones are new tensors in the base weight's dtype, summed
 * in float64 (as PEFT's merge, B·A first, then scaled and added).
 */
export function mergeLora(config: ModelConfig, parameters: ParameterSet, options: LoraOptions): ParameterSet {
  const tensor = (name: string): HostTensor => {
    const found = parameters.get(name);
    if (found === undefined) throw new Error(`mergeLora: parameter "${name}" is missing; pass the base weights and the trained adapters together`);
    return found;
  };
  const specs = isLlamaConfig(config) ? llamaParameterSpecs(config) : gpt2ParameterSpecs(config as Gpt2Config);
  const merged: ParameterSet = new Map(specs.map((spec) => [spec.name, tensor(spec.name)]));
  const scale = loraScale(options);
  for (const site of loraAdapterSites(config, options)) {
    const weightName = `${site.prefix}.weight`;
    const [weight, a, b] = [tensor(weightName), tensor(site.aName), tensor(site.bName)];
    checkShape(a, [options.rank, site.inFeatures], site.aName);
    checkShape(b, [site.outFeatures, options.rank], site.bName);
    const outIn = site.weightLayout === 'out-in';
    checkShape(weight, outIn ? [site.outFeatures, site.inFeatures] : [site.inFeatures, site.outFeatures], weightName);
    const sizes = [options.rank, site.inFeatures, site.outFeatures, scale] as const;
    const data = outIn ? mergedOutInWeight(weight.data as FloatData, a.data as FloatData, b.data as FloatData, ...sizes) : mergedWeight(weight.data as FloatData, a.data as FloatData, b.data as FloatData, ...sizes);
    merged.set(weightName, { dtype: weight.dtype, shape: weight.shape, data });
  }
  return merged;
}

/** W'[i][o] = W[i][o] + scale · Σ_k B[o][k] · A[k][i], with W (in, out), A (rank, in), B (out, rank). */
function mergedWeight(weight: FloatData, a: FloatData, b: FloatData, rank: number, inFeatures: number, outFeatures: number, scale: number): FloatData {
  const result = weight.slice();
  const column = new Float64Array(rank);
  for (let i = 0; i < inFeatures; i++) {
    for (let k = 0; k < rank; k++) column[k] = a[k * inFeatures + i] as number;
    const row = i * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      let update = 0;
      for (let k = 0; k < rank; k++) update += (b[o * rank + k] as number) * (column[k] as number);
      result[row + o] = (weight[row + o] as number) + scale * update;
    }
  }
  return result;
}

/** W'[o][i] = W[o][i] + scale · Σ_k B[o][k] · A[k][i], with W (out, in), A (rank, in), B (out, rank). */
function mergedOutInWeight(weight: FloatData, a: FloatData, b: FloatData, rank: number, inFeatures: number, outFeatures: number, scale: number): FloatData {
  const result = weight.slice();
  const update = new Float64Array(inFeatures);
  for (let o = 0; o < outFeatures; o++) {
    update.fill(0);
    for (let k = 0; k < rank; k++) {
      const coefficient = b[o * rank + k] as number;
      const aRow = k * inFeatures;
      for (let i = 0; i < inFeatures; i++) update[i] = (update[i] as number) + coefficient * (a[aRow + i] as number);
    }
    const row = o * inFeatures;
    for (let i = 0; i < inFeatures; i++) result[row + i] = (weight[row + i] as number) + scale * (update[i] as number);
  }
  return result;
}

function checkShape(tensor: HostTensor, expected: readonly number[], name: string): void {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') throw new Error(`mergeLora: "${name}" is ${tensor.dtype}; expected float32 or float64`);
  if (tensor.shape.length !== expected.length || tensor.shape.some((dim, index) => dim !== expected[index])) {
    throw new Error(`mergeLora: "${name}" has shape [${tensor.shape.join(',')}], expected [${expected.join(',')}]; the adapters were trained with other LoRA options or another model`);
  }
}
