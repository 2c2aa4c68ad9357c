// The full Hugging Face GPT-2 tensor set for a trained model: a model trained without biases gets zero biases,
// which computes the same function, so every exported file loads as a standard GPT2LMHeadModel.

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import { elementCountOf } from '../tensor/host-tensor.ts';

export function huggingFaceParameters(config: Gpt2Config, parameters: ParameterSet): ParameterSet {
  const full: ParameterSet = new Map();
  for (const spec of gpt2ParameterSpecs({ ...config, bias: true })) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined && !(spec.name.endsWith('.bias') && !config.bias)) throw new Error(`gpt2 export: parameter "${spec.name}" is missing`);
    if (tensor !== undefined && tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(`gpt2 export: parameter "${spec.name}" has shape [${tensor.shape.join(',')}], expected [${spec.shape.join(',')}]`);
    }
    full.set(spec.name, tensor ?? { dtype: 'float32', shape: spec.shape, data: new Float32Array(elementCountOf(spec.shape)) });
  }
  return full;
}
