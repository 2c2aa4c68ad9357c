// GPT-2 or Llama with LoRA adapters as a model family for the training step: the base model's parameters plus A and B
// per adapted layer, the base dropout masks plus one keep-mask per adapter input, and the base forward with each
// adapter's scale · dropout(x)·Aᵀ·Bᵀ added to its linear layer's output. Train it with `trainable: loraAdapterNames(...)`.

import { sampleDropoutMasks, type DropoutSite } from '../gpt2/dropout-masks.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import { gpt2Family } from '../train/gpt2-family.ts';
import { llamaFamily } from '../train/llama-family.ts';
import type { ForwardInputs, ModelFamily } from '../train/step/model-family.ts';
import { initLoraAdapters, loraAdapterSites, loraParameterSpecs, loraScale, type LoraAdapterSite, type LoraOptions } from './lora-parameters.ts';

export function loraFamily(base: ModelConfig, options: LoraOptions): ModelFamily {
  const family = isLlamaConfig(base) ? llamaFamily(base) : gpt2Family(base);
  const sites = loraAdapterSites(base, options);
  return {
    name: `${family.name}-lora`,
    contextLength: family.contextLength,
    parameters: [...family.parameters, ...loraParameterSpecs(base, options)],
    initParameters: (seed, dtype) => new Map([...family.initParameters(seed, dtype), ...initLoraAdapters(base, options, seed, dtype)]),
    addDropoutInputs: (graph, batch, time) => new Map([...family.addDropoutInputs(graph, batch, time), ...addLoraDropoutInputs(graph, loraDropoutSites(sites, options, batch, time))]),
    // Base masks first, then the adapters', from the one generator the session checkpoints.
    sampleDropoutMasks: (batch, time, random) => ({
      ...family.sampleDropoutMasks(batch, time, random),
      ...sampleDropoutMasks(loraDropoutSites(sites, options, batch, time), options.dropout, random),
    }),
    forward: (inputs) => family.forward({ ...inputs, linearAdapters: loraLinearAdapters(sites, options, inputs) }),
  };
}

/**
 * One keep-mask per adapter over its input (B, T, in), named "dropout.lora.h.N.<target>" (GPT-2) or
 * "dropout.lora.layers.N.<target>" (Llama); none when dropout is 0.
 */
export function loraDropoutSites(sites: readonly LoraAdapterSite[], options: LoraOptions, batch: number | string, time: number): DropoutSite[] {
  if (options.dropout === 0) return [];
  return sites.map((site) => ({ name: loraDropoutName(site), shape: [batch, time, site.inFeatures] }));
}

function loraDropoutName(site: LoraAdapterSite): string {
  return site.weightLayout === 'in-out' ? `dropout.lora.h.${site.layer}.${site.target}` : `dropout.lora.layers.${site.layer}.${site.target}`;
}

function addLoraDropoutInputs(graph: Graph, sites: readonly DropoutSite[]): Map<string, Value> {
  return new Map(sites.map((site) => [site.name, graph.input(site.name, 'bool', site.shape)]));
}

/**
 * Each adapter maps the layer's input rows x (B*T, in) to scale · dropout(x)·Aᵀ·Bᵀ (B*T, out), as PEFT's
 * lora_B(lora_A(dropout(x))) · scaling. Both products take A and B as stored, transposed inside FusedMatMul, and the
 * scale rides on the second product's alpha, so an adapter adds two products and no element-wise pass of its own.
 */
function loraLinearAdapters(sites: readonly LoraAdapterSite[], options: LoraOptions, inputs: ForwardInputs): Map<string, (x: Value) => Value> {
  const scale = loraScale(options);
  const param = (name: string): Value => {
    const value = inputs.parameters.get(name);
    if (value === undefined) throw new Error(`lora forward: adapter parameter "${name}" is missing`);
    return value;
  };
  return new Map(sites.map((site) => {
    const [a, b] = [param(site.aName), param(site.bName)]; // (r, in), (out, r)
    const keep = inputs.dropoutMasks.get(loraDropoutName(site)); // absent when dropout is 0 or in evaluation
    const adapter = (x: Value): Value => {
      const dropped = keep === undefined ? x : op.dropout(x, op.reshape(keep, x.shape), options.dropout);
      const down = op.fusedMatMul(dropped, a, { transB: true }); // (B*T, r)
      return op.fusedMatMul(down, b, { transB: true, alpha: scale }); // (B*T, out)
    };
    return [site.prefix, adapter];
  }));
}
