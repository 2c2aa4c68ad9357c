// Folds trained LoRA adapters into the base weights, so the fine-tuned model is a plain GPT-2 that every downstream
// node (evaluate, quantize, export, deploy) reads unchanged: W' = W + scale · (B·A)ᵀ, W being Conv1D's [in, out].

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { loraAdapterSites, loraScale, type LoraOptions } from './lora-parameters.ts';

type FloatData = Float32Array | Float64Array;

/**
 * The base parameters (GPT-2's names only, in spec order) with each adapter merged into its linear weight. Weights
 * without an adapter are the given tensors, not copies; merged ones are new tensors in the base weight's dtype, summed
 * in float64 (as PEFT's merge, B·A first, then scaled and added).
 */
export function mergeLora(config: Gpt2Config, parameters: ParameterSet, options: LoraOptions): ParameterSet {
  const tensor = (name: string): HostTensor => {
    const found = parameters.get(name);
    if (found === undefined) throw new Error(`mergeLora: parameter "${name}" is missing; pass the base weights and the trained adapters together`);
    return found;
  };
  const merged: ParameterSet = new Map(gpt2ParameterSpecs(config).map((spec) => [spec.name, tensor(spec.name)]));
  const scale = loraScale(options);
  for (const site of loraAdapterSites(config, options)) {
    const weightName = `${site.prefix}.weight`;
    const [weight, a, b] = [tensor(weightName), tensor(site.aName), tensor(site.bName)];
    checkShape(a, [options.rank, site.inFeatures], site.aName);
    checkShape(b, [site.outFeatures, options.rank], site.bName);
    checkShape(weight, [site.inFeatures, site.outFeatures], weightName);
    merged.set(weightName, { dtype: weight.dtype, shape: weight.shape, data: mergedWeight(weight.data as FloatData, a.data as FloatData, b.data as FloatData, options.rank, site.inFeatures, site.outFeatures, scale) });
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

function checkShape(tensor: HostTensor, expected: readonly number[], name: string): void {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') throw new Error(`mergeLora: "${name}" is ${tensor.dtype}; expected float32 or float64`);
  if (tensor.shape.length !== expected.length || tensor.shape.some((dim, index) => dim !== expected[index])) {
    throw new Error(`mergeLora: "${name}" has shape [${tensor.shape.join(',')}], expected [${expected.join(',')}]; the adapters were trained with other LoRA options or another model`);
  }
}
