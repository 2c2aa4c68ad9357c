// The full Hugging Face tensor set of a trained model, under HF's names. A GPT-2 trained without biases gets zero
// biases, which computes the same function, so every exported file loads as a standard GPT2LMHeadModel; a Llama's
// tensors are its parameters as they are (LlamaForCausalLM's names and [out, in] layouts).

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';

export function huggingFaceParameters(config: ModelConfig, parameters: ParameterSet): ParameterSet {
  return isLlamaConfig(config) ? llamaHuggingFaceParameters(config, parameters) : gpt2HuggingFaceParameters(config, parameters);
}

function llamaHuggingFaceParameters(config: LlamaConfig, parameters: ParameterSet): ParameterSet {
  const full: ParameterSet = new Map();
  for (const spec of llamaParameterSpecs(config)) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined) throw new Error(`llama export: parameter "${spec.name}" is missing`);
    checkShape('llama', spec.name, tensor.shape, spec.shape);
    full.set(spec.name, tensor);
  }
  return full;
}

function gpt2HuggingFaceParameters(config: Gpt2Config, parameters: ParameterSet): ParameterSet {
  const full: ParameterSet = new Map();
  for (const spec of gpt2ParameterSpecs({ ...config, bias: true })) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined && !(spec.name.endsWith('.bias') && !config.bias)) throw new Error(`gpt2 export: parameter "${spec.name}" is missing`);
    if (tensor !== undefined) checkShape('gpt2', spec.name, tensor.shape, spec.shape);
    full.set(spec.name, tensor ?? { dtype: 'float32', shape: spec.shape, data: new Float32Array(elementCountOf(spec.shape)) });
  }
  return full;
}

function checkShape(family: string, name: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.join(',') !== expected.join(',')) throw new Error(`${family} export: parameter "${name}" has shape [${actual.join(',')}], expected [${expected.join(',')}]`);
}
