// Test and bench support: writes a tiny Llama-family folder in SmolLM2's hub layout (HuggingFaceTB/SmolLM2-*-Instruct):
// config.json as transformers saves LlamaForCausalLM's, safetensors weights (single or sharded, F32/F16/BF16),
// tokenizer.json as a byte-level BPE behind a Digits split with <|endoftext|>, <|im_start|>, <|im_end|> at ids 0-2,
// tokenizer_config.json with SmolLM2's ChatML chat_template, and generation_config.json.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadHuggingFaceTokenizer, trainBpe, type Tokenizer } from '../../../tokenize/index.ts';
import { llamaConfig, type LlamaConfig, type LlamaConfigInput } from '../../llama/config.ts';
import { llamaParameterSpecs, type LlamaParameterSpec } from '../../llama/parameters.ts';
import { elementCountOf } from '../../tensor/host-tensor.ts';
import type { ParameterSet } from '../../gpt2/parameters.ts';
import { writeJson } from './hub-folder.ts';
import { seededUniform, writeHubWeightFiles, type HubDtype, type StreamedTensor } from './hub-safetensors.ts';

/** SmolLM2-Instruct's chat template, as its tokenizer_config.json holds it. */
export const SMOLLM2_CHAT_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** SmolLM2's first three ids (its tokenizer has more specials after them; these are the ones the chat format uses). */
export const SMOLLM2_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface HubLlamaFolderOptions {
  /** Defaults to SmolLM2's shape, scaled down: see TINY_SMOLLM2. */
  config?: LlamaConfigInput;
  seed?: number;
  dtype?: HubDtype;
  /** 1 (default) writes model.safetensors; more writes model.safetensors.index.json and that many shards. */
  shards?: number;
  /** SmolLM2's template (default), another, or null for a base model's tokenizer_config.json without one. */
  chatTemplate?: string | null;
  /** true (default): Instruct's ids (bos <|im_start|> 1, eos <|im_end|> 2); false: the base model's (0 and 0). */
  instruct?: boolean;
  /** Newer transformers write rope_parameters {rope_type, rope_theta} instead of rope_theta (default false). */
  ropeParameters?: boolean;
  /** Writes model.layers.N.self_attn.rotary_emb.inv_freq, as transformers < 4.31 saved it. */
  rotaryBuffers?: boolean;
  /** Writes lm_head.weight as a copy of the embedding although the head is tied. */
  storedTiedHead?: boolean;
  /** Exact weights (HF names) instead of seeded ones. */
  parameters?: ParameterSet;
  /** Weight files of full size with nothing written (see HubWeightWriteOptions): a large model's headers, for free. */
  hollow?: boolean;
}

/**
 * SmolLM2-135M is 30 layers, 9 heads over 3 key/value heads, 576 wide (head_dim 64), intermediate 1536, vocabulary
 * 49152, context 8192, rope_theta 100000, tied. This keeps its ratios (GQA 3:1, tied, theta) at a test's size.
 */
export const TINY_SMOLLM2: LlamaConfigInput = {
  vocabSize: 320,
  nLayer: 2,
  nHead: 6,
  nKvHead: 2,
  nEmbd: 48,
  intermediateSize: 128,
  blockSize: 64,
  ropeTheta: 100000,
  rmsNormEps: 1e-5,
  tieEmbeddings: true,
};

const WEIGHT_STD = 0.08;
const NORM_NOISE = 0.1;
const TOKENIZER_TEXT = 'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. In 1984 a model read 2025 tokens; it learns what comes next.\n';

export function writeHubLlamaFolder(dir: string, options: HubLlamaFolderOptions = {}): LlamaConfig {
  const config = llamaConfig(options.config ?? TINY_SMOLLM2);
  const instruct = options.instruct ?? true;
  mkdirSync(dir, { recursive: true });
  const tokenizer = smolTokenizer(config.vocabSize);
  writeJson(path.join(dir, 'tokenizer.json'), tokenizer.toHuggingFaceJson());
  const ids = instruct ? { bos: 1, eos: 2, pad: 2 } : { bos: 0, eos: 0, pad: null };
  writeJson(path.join(dir, 'tokenizer_config.json'), tokenizerConfigJson(config, instruct, options.chatTemplate === undefined ? SMOLLM2_CHAT_TEMPLATE : options.chatTemplate));
  writeJson(path.join(dir, 'config.json'), hubConfigJson(config, ids, options.ropeParameters === true));
  writeJson(path.join(dir, 'generation_config.json'), { _from_model_config: true, bos_token_id: ids.bos, eos_token_id: ids.eos, ...(ids.pad === null ? {} : { pad_token_id: ids.pad }), transformers_version: '4.42.3' });
  writeHubWeightFiles(dir, tensorsToWrite(config, options), { dtype: options.dtype ?? 'F32', shards: options.shards ?? 1, hollow: options.hollow === true });
  return config;
}

/** config.json as transformers' LlamaConfig.save_pretrained writes it for SmolLM2 (with nanotron's extra keys). */
function hubConfigJson(config: LlamaConfig, ids: { bos: number; eos: number; pad: number | null }, ropeParameters: boolean): Record<string, unknown> {
  const rope = ropeParameters ? { rope_parameters: { rope_type: 'default', rope_theta: config.ropeTheta } } : { rope_scaling: null, rope_theta: config.ropeTheta };
  return {
    architectures: ['LlamaForCausalLM'],
    attention_bias: config.attentionBias,
    attention_dropout: config.dropout,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    head_dim: config.headDim,
    hidden_act: 'silu',
    hidden_size: config.nEmbd,
    initializer_range: 0.041666666666666664,
    intermediate_size: config.intermediateSize,
    is_llama_config: true,
    max_position_embeddings: config.blockSize,
    mlp_bias: config.mlpBias,
    model_type: 'llama',
    num_attention_heads: config.nHead,
    num_hidden_layers: config.nLayer,
    num_key_value_heads: config.nKvHead,
    ...(ids.pad === null ? {} : { pad_token_id: ids.pad }),
    pretraining_tp: 1,
    rms_norm_eps: config.rmsNormEps,
    rope_interleaved: false,
    ...rope,
    tie_word_embeddings: config.tieEmbeddings,
    torch_dtype: 'bfloat16',
    transformers_version: '4.42.3',
    use_cache: true,
    vocab_size: config.vocabSize,
  };
}

function tokenizerConfigJson(config: LlamaConfig, instruct: boolean, chatTemplate: string | null): Record<string, unknown> {
  const decoder = Object.fromEntries(SMOLLM2_SPECIAL_TOKENS.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]));
  return {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: instruct ? '<|im_start|>' : '<|endoftext|>',
    ...(chatTemplate === null ? {} : { chat_template: chatTemplate }),
    clean_up_tokenization_spaces: false,
    eos_token: instruct ? '<|im_end|>' : '<|endoftext|>',
    model_max_length: config.blockSize,
    ...(instruct ? { pad_token: '<|im_end|>' } : {}),
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: '<|endoftext|>',
    vocab_size: config.vocabSize,
  };
}

const tokenizers = new Map<number, Tokenizer>();

/** A byte-level BPE with SmolLM2's three first specials and its pre-tokenizer (Digits, then ByteLevel), loaded back. */
function smolTokenizer(vocabSize: number): Tokenizer {
  let tokenizer = tokenizers.get(vocabSize);
  if (tokenizer === undefined) {
    const trained = trainBpe(TOKENIZER_TEXT.repeat(20), { vocabSize, specialTokens: SMOLLM2_SPECIAL_TOKENS });
    const json = trained.toHuggingFaceJson();
    tokenizer = loadHuggingFaceTokenizer({ ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, json.pre_tokenizer] } });
    tokenizers.set(vocabSize, tokenizer);
  }
  if (tokenizer.vocabSize > vocabSize) throw new Error(`writeHubLlamaFolder: vocabSize ${vocabSize} is below the tokenizer's ${tokenizer.vocabSize} ids; raise it`);
  return tokenizer;
}

/** The weights in save_pretrained's order; seeded ones spread enough that a wrong layout changes the logits. */
function tensorsToWrite(config: LlamaConfig, options: HubLlamaFolderOptions): StreamedTensor[] {
  const seed = options.seed ?? 0;
  const specs = llamaParameterSpecs(config);
  const valuesOf = (spec: LlamaParameterSpec, index: number) => () => exactOrSeeded(spec, options.parameters, Math.imul(seed, 1_000_003) + index);
  const tensors: StreamedTensor[] = [];
  specs.forEach((spec, index) => {
    tensors.push({ name: spec.name, shape: spec.shape, values: valuesOf(spec, index) });
    const layer = /^model\.layers\.(\d+)\.self_attn\.o_proj\.weight$/.exec(spec.name);
    if (options.rotaryBuffers === true && layer !== null) {
      const half = config.headDim / 2;
      const inverse = Float32Array.from({ length: half }, (_, i) => 1 / config.ropeTheta ** ((2 * i) / config.headDim));
      tensors.push({ name: `model.layers.${layer[1]}.self_attn.rotary_emb.inv_freq`, shape: [half], values: () => inverse });
    }
  });
  if (options.storedTiedHead === true && config.tieEmbeddings) tensors.push({ name: 'lm_head.weight', shape: specs[0]!.shape, values: valuesOf(specs[0]!, 0) });
  return tensors;
}

function exactOrSeeded(spec: LlamaParameterSpec, parameters: ParameterSet | undefined, seed: number): Float32Array {
  if (parameters !== undefined) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined) throw new Error(`writeHubLlamaFolder: parameters has no "${spec.name}"`);
    return Float32Array.from(tensor.data as Float32Array | Float64Array);
  }
  const spread = Math.sqrt(3) * (spec.init === 'normal' ? WEIGHT_STD : NORM_NOISE);
  return seededUniform(elementCountOf(spec.shape), seed, spec.init === 'ones' ? 1 : 0, spread);
}
