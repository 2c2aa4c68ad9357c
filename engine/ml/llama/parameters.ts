// Llama parameters under Hugging Face's names and layouts (projections are torch Linear weights, [out, in]), with HF's
// initialization: linear and embedding weights N(0, 0.02), RMSNorm weights 1, biases 0.

import type { DType } from '../onnx/data-types.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import type { LlamaConfig } from './config.ts';

export type LlamaParameterInit = 'normal' | 'ones' | 'zeros';

/** One Llama weight tensor with its initialization (the training step's ParameterSpec, plus `init`). */
export interface LlamaParameterSpec {
  name: string;
  shape: readonly number[];
  init: LlamaParameterInit;
  /** AdamW's decoupled weight decay applies to tensors with two or more dims only. */
  decays: boolean;
}

/** HF's initializer_range. */
const INIT_STD = 0.02;

/** The projections of one decoder layer: weight prefix below `model.layers.N.`, in and out features. */
export function llamaLayerLinears(config: LlamaConfig): { name: string; inFeatures: number; outFeatures: number; bias: boolean }[] {
  const C = config.nEmbd;
  const queryWidth = config.nHead * config.headDim;
  const kvWidth = config.nKvHead * config.headDim;
  const F = config.intermediateSize;
  return [
    { name: 'self_attn.q_proj', inFeatures: C, outFeatures: queryWidth, bias: config.attentionBias },
    { name: 'self_attn.k_proj', inFeatures: C, outFeatures: kvWidth, bias: config.attentionBias },
    { name: 'self_attn.v_proj', inFeatures: C, outFeatures: kvWidth, bias: config.attentionBias },
    { name: 'self_attn.o_proj', inFeatures: queryWidth, outFeatures: C, bias: config.attentionBias },
    { name: 'mlp.gate_proj', inFeatures: C, outFeatures: F, bias: config.mlpBias },
    { name: 'mlp.up_proj', inFeatures: C, outFeatures: F, bias: config.mlpBias },
    { name: 'mlp.down_proj', inFeatures: F, outFeatures: C, bias: config.mlpBias },
  ];
}

export function llamaParameterSpecs(config: LlamaConfig): LlamaParameterSpec[] {
  const C = config.nEmbd;
  const specs: LlamaParameterSpec[] = [];
  const add = (name: string, shape: number[], init: LlamaParameterInit) => specs.push({ name, shape, init, decays: shape.length >= 2 });
  add('model.embed_tokens.weight', [config.vocabSize, C], 'normal');
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `model.layers.${layer}`;
    add(`${block}.input_layernorm.weight`, [C], 'ones');
    for (const linear of llamaLayerLinears(config)) {
      if (linear.name === 'mlp.gate_proj') add(`${block}.post_attention_layernorm.weight`, [C], 'ones');
      add(`${block}.${linear.name}.weight`, [linear.outFeatures, linear.inFeatures], 'normal');
      if (linear.bias) add(`${block}.${linear.name}.bias`, [linear.outFeatures], 'zeros');
    }
  }
  add('model.norm.weight', [C], 'ones');
  if (!config.tieEmbeddings) add('lm_head.weight', [config.vocabSize, C], 'normal');
  return specs;
}

/** Fresh parameters for `seed`, in spec order; the same seed always gives the same weights. */
export function initLlamaParameters(config: LlamaConfig, seed: number, dtype: 'float32' | 'float64' = 'float32'): Map<string, HostTensor> {
  const random = createRandom(seed);
  const parameters = new Map<string, HostTensor>();
  for (const spec of llamaParameterSpecs(config)) {
    const data = dtype === 'float32' ? new Float32Array(elementCountOf(spec.shape)) : new Float64Array(elementCountOf(spec.shape));
    if (spec.init === 'normal') data.forEach((_, index) => (data[index] = INIT_STD * random.normal()));
    if (spec.init === 'ones') data.fill(1);
    parameters.set(spec.name, { dtype: dtype as DType, shape: spec.shape, data });
  }
  return parameters;
}

export function llamaParameterCount(config: LlamaConfig): number {
  return llamaParameterSpecs(config).reduce((total, spec) => total + elementCountOf(spec.shape), 0);
}

/** The weight prefixes of every linear layer (e.g. "model.layers.0.self_attn.q_proj"): the keys `linearAdapters` and LoRA use. */
export function llamaLinearPrefixes(config: LlamaConfig): string[] {
  const prefixes: string[] = [];
  for (let layer = 0; layer < config.nLayer; layer++) {
    for (const linear of llamaLayerLinears(config)) prefixes.push(`model.layers.${layer}.${linear.name}`);
  }
  return prefixes;
}
