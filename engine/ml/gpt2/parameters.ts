// GPT-2 parameters under Hugging Face's names and layouts (Conv1D weights are [in, out]), with HF's
// initialization: N(0, 0.02), residual projections N(0, 0.02/sqrt(2*nLayer)), LayerNorm 1/0, biases 0.

import type { DType } from '../onnx/data-types.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import type { Gpt2Config } from './config.ts';

export type ParameterInit = 'normal' | 'residual' | 'ones' | 'zeros';

/** One GPT-2 weight tensor with its initialization (the training step's ParameterSpec, plus `init`). */
export interface Gpt2ParameterSpec {
  name: string;
  shape: readonly number[];
  init: ParameterInit;
  /** AdamW's decoupled weight decay applies to tensors with two or more dims only. */
  decays: boolean;
}

const INIT_STD = 0.02;

export function gpt2ParameterSpecs(config: Gpt2Config): Gpt2ParameterSpec[] {
  const C = config.nEmbd;
  const specs: Gpt2ParameterSpec[] = [];
  const add = (name: string, shape: number[], init: ParameterInit) => specs.push({ name, shape, init, decays: shape.length >= 2 });
  const linear = (prefix: string, inFeatures: number, outFeatures: number, init: ParameterInit) => {
    add(`${prefix}.weight`, [inFeatures, outFeatures], init);
    if (config.bias) add(`${prefix}.bias`, [outFeatures], 'zeros');
  };
  const layerNorm = (prefix: string) => {
    add(`${prefix}.weight`, [C], 'ones');
    if (config.bias) add(`${prefix}.bias`, [C], 'zeros');
  };
  add('transformer.wte.weight', [config.vocabSize, C], 'normal');
  add('transformer.wpe.weight', [config.blockSize, C], 'normal');
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `transformer.h.${layer}`;
    layerNorm(`${block}.ln_1`);
    linear(`${block}.attn.c_attn`, C, 3 * C, 'normal');
    linear(`${block}.attn.c_proj`, C, C, 'residual');
    layerNorm(`${block}.ln_2`);
    linear(`${block}.mlp.c_fc`, C, 4 * C, 'normal');
    linear(`${block}.mlp.c_proj`, 4 * C, C, 'residual');
  }
  layerNorm('transformer.ln_f');
  return specs;
}

export type ParameterSet = Map<string, HostTensor>;

/** Fresh parameters for `seed`, in spec order; the same seed always gives the same weights. */
export function initGpt2Parameters(config: Gpt2Config, seed: number, dtype: 'float32' | 'float64' = 'float32'): ParameterSet {
  const random = createRandom(seed);
  const residualStd = INIT_STD / Math.sqrt(2 * config.nLayer);
  const parameters: ParameterSet = new Map();
  for (const spec of gpt2ParameterSpecs(config)) {
    const data = dtype === 'float32' ? new Float32Array(elementCountOf(spec.shape)) : new Float64Array(elementCountOf(spec.shape));
    const std = spec.init === 'residual' ? residualStd : INIT_STD;
    if (spec.init === 'normal' || spec.init === 'residual') data.forEach((_, index) => (data[index] = std * random.normal()));
    if (spec.init === 'ones') data.fill(1);
    parameters.set(spec.name, { dtype: dtype as DType, shape: spec.shape, data });
  }
  return parameters;
}

export function parameterCount(config: Gpt2Config): number {
  return gpt2ParameterSpecs(config).reduce((total, spec) => total + elementCountOf(spec.shape), 0);
}
