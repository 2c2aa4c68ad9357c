// Hugging Face's config.json and generation_config.json for a Crucible model of any family, and the reverse: reading
// config.json back into a ModelConfig. Field names and values follow transformers' GPT2Config and LlamaConfig.

import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import { llamaFromHubConfig } from '../import/hub-llama-config.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';

export interface SpecialTokenIds {
  bos: number | null;
  eos: number | null;
}

export interface SamplingDefaults {
  temperature: number;
  topK: number;
}

/** nanoGPT's sampling defaults (sample.py): temperature 0.8, top_k 200. */
export const DEFAULT_SAMPLING: SamplingDefaults = { temperature: 0.8, topK: 200 };

export function huggingFaceConfig(config: ModelConfig, tokens: SpecialTokenIds): Record<string, unknown> {
  return isLlamaConfig(config) ? llamaHuggingFaceConfig(config, tokens) : gpt2HuggingFaceConfig(config, tokens);
}

/** transformers' LlamaConfig for LlamaForCausalLM; rope_theta is written both flat and as newer versions' rope_parameters. */
function llamaHuggingFaceConfig(config: LlamaConfig, tokens: SpecialTokenIds): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.nEmbd,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.nLayer,
    num_attention_heads: config.nHead,
    num_key_value_heads: config.nKvHead,
    head_dim: config.headDim,
    max_position_embeddings: config.blockSize,
    hidden_act: 'silu',
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    rope_parameters: { rope_type: 'default', rope_theta: config.ropeTheta },
    attention_bias: config.attentionBias,
    attention_dropout: config.dropout,
    mlp_bias: config.mlpBias,
    pretraining_tp: 1,
    initializer_range: 0.02,
    tie_word_embeddings: config.tieEmbeddings,
    use_cache: true,
    bos_token_id: tokens.bos,
    eos_token_id: tokens.eos,
    torch_dtype: 'float32',
  };
}

function gpt2HuggingFaceConfig(config: Gpt2Config, tokens: SpecialTokenIds): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_positions: config.blockSize,
    n_ctx: config.blockSize,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: config.dropout,
    embd_pdrop: config.dropout,
    attn_pdrop: config.dropout,
    layer_norm_epsilon: config.layerNormEpsilon,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    use_cache: true,
    bos_token_id: tokens.bos,
    eos_token_id: tokens.eos,
    torch_dtype: 'float32',
    // Not a GPT2Config field: records that biases were trained (false) or fixed at zero in the exported tensors.
    crucible_trained_bias: config.bias,
  };
}

export function generationConfig(config: ModelConfig, tokens: SpecialTokenIds, sampling: SamplingDefaults = DEFAULT_SAMPLING): Record<string, unknown> {
  return {
    bos_token_id: tokens.bos,
    eos_token_id: tokens.eos,
    do_sample: true,
    temperature: sampling.temperature,
    top_k: sampling.topK,
    max_length: config.blockSize,
  };
}

/** Reads a config.json this module wrote, or a hub model's (GPT-2 or Llama-family), into the family's config. */
export function modelConfigFromHuggingFace(json: Record<string, unknown>, where: string): ModelConfig {
  if (json.model_type === 'llama') {
    return llamaFromHubConfig(json, (name, problem, remedy) => new Error(`${where}: field "${name}" ${problem}${remedy === undefined ? '' : `; ${remedy}`}`));
  }
  if (json.model_type !== 'gpt2') throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}; Crucible reads "gpt2" and "llama" models`);
  return gpt2ConfigFromHuggingFace(json, where);
}

/** Reads a config.json this module wrote (or any GPT-2 config.json with the same fields). */
export function gpt2ConfigFromHuggingFace(json: Record<string, unknown>, where: string): Gpt2Config {
  if (json.model_type !== 'gpt2') throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}; Crucible reads "gpt2" models`);
  const number = (field: string): number => {
    const value = json[field];
    if (typeof value !== 'number') throw new Error(`${where}: field "${field}" must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  return gpt2Config({
    vocabSize: number('vocab_size'),
    nLayer: number('n_layer'),
    nHead: number('n_head'),
    nEmbd: number('n_embd'),
    blockSize: number('n_positions'),
    dropout: typeof json.resid_pdrop === 'number' ? json.resid_pdrop : 0,
    bias: true,
    layerNormEpsilon: typeof json.layer_norm_epsilon === 'number' ? json.layer_norm_epsilon : 1e-5,
  });
}
