// A Hugging Face hub model's config.json turned into a model config (GPT-2 here, the Llama family in
// hub-llama-config.ts), with every check that makes the import safe: a supported architecture, the fields Crucible
// needs, and sizes that add up. Errors name the file and the field.

import { readJsonObjectFile } from '../../files/json-text.ts';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { llamaFromHubConfig } from './hub-llama-config.ts';

/** Each supported class name with the model_type transformers writes beside it. */
const MODEL_TYPES = { GPT2LMHeadModel: 'gpt2', LlamaForCausalLM: 'llama' } as const;
export const SUPPORTED_ARCHITECTURES = Object.keys(MODEL_TYPES) as SupportedArchitecture[];
export type SupportedArchitecture = keyof typeof MODEL_TYPES;

/** transformers' GPT2Config defaults for fields a config.json may leave out. */
const HF_GPT2_DEFAULTS = { activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, resid_pdrop: 0.1 } as const;
/** Both are GELU's tanh approximation; the ONNX graph and the trainer compute exactly that one. */
const SUPPORTED_ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh'];
const REQUIRED_SIZES = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'] as const;

const FIX_CONFIG = 'fix config.json, or re-download the model';

export type HubConfig =
  | { architecture: 'GPT2LMHeadModel'; config: Gpt2Config; /** config.json's tie_word_embeddings (transformers' default: true). */ tieWordEmbeddings: boolean; tokenIds: HubTokenIds }
  | { architecture: 'LlamaForCausalLM'; config: LlamaConfig; /** = config.tieEmbeddings */ tieWordEmbeddings: boolean; tokenIds: HubTokenIds };

/** config.json's special token ids (eos_token_id may be a list in newer models; its first entry ends generation). */
export interface HubTokenIds {
  bos: number | null;
  eos: number | null;
}

export function readHubConfig(configPath: string): HubConfig {
  const json = readJsonObjectFile(configPath, { expected: 'a Hugging Face config.json', remedy: 're-download the model folder' });
  const architecture = architectureOf(json, configPath);
  const field = (name: string, problem: string, remedy = FIX_CONFIG) => new Error(`${configPath}: field "${name}" ${problem}; ${remedy}`);
  const tokenIds = { bos: tokenIdOf(json, 'bos_token_id', field), eos: tokenIdOf(json, 'eos_token_id', field) };
  if (architecture === 'LlamaForCausalLM') {
    const config = llamaFromHubConfig(json, field);
    return { architecture, config, tieWordEmbeddings: config.tieEmbeddings, tokenIds };
  }
  return { architecture, config: gpt2FromHubConfig(json, field), tieWordEmbeddings: json.tie_word_embeddings !== false, tokenIds };
}

function gpt2FromHubConfig(json: Record<string, unknown>, field: FieldError): Gpt2Config {
  const sizes = Object.fromEntries(REQUIRED_SIZES.map((name) => {
    const value = json[name];
    if (value === undefined || value === null) throw field(name, 'is missing', 'a GPT-2 config.json needs vocab_size, n_positions, n_embd, n_layer and n_head — use the config.json that came with the weights');
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw field(name, `must be a positive integer, found ${JSON.stringify(value)}`);
    return [name, value as number];
  })) as Record<(typeof REQUIRED_SIZES)[number], number>;
  checkSizes(json, sizes, field);
  checkActivation(json, field);
  checkAttentionVariant(json, field);
  const epsilon = numberOr(json, 'layer_norm_epsilon', HF_GPT2_DEFAULTS.layer_norm_epsilon, field);
  if (!(epsilon > 0)) throw field('layer_norm_epsilon', `must be positive, found ${epsilon}`);
  const dropout = numberOr(json, 'resid_pdrop', HF_GPT2_DEFAULTS.resid_pdrop, field);
  if (!(dropout >= 0 && dropout < 1)) throw field('resid_pdrop', `must be in [0, 1), found ${dropout}`);
  const tie = json.tie_word_embeddings;
  if (tie !== undefined && typeof tie !== 'boolean') throw field('tie_word_embeddings', `must be true or false, found ${JSON.stringify(tie)}`);
  return gpt2Config({
    vocabSize: sizes.vocab_size,
    nLayer: sizes.n_layer,
    nHead: sizes.n_head,
    nEmbd: sizes.n_embd,
    blockSize: sizes.n_positions,
    dropout,
    bias: true,
    layerNormEpsilon: epsilon,
  });
}

/**
 * The class in architectures (GPT2LMHeadModel or LlamaForCausalLM) and a model_type that agrees with it; a config
 * without the list must at least give a supported model_type.
 */
function architectureOf(json: Record<string, unknown>, configPath: string): SupportedArchitecture {
  const supported = `Crucible imports ${SUPPORTED_ARCHITECTURES.map((name) => `${name} (model_type "${MODEL_TYPES[name]}")`).join(' and ')} models`;
  const { architectures, model_type: modelType } = json;
  let named: SupportedArchitecture | undefined;
  if (architectures !== undefined && architectures !== null) {
    if (!Array.isArray(architectures) || !architectures.every((name) => typeof name === 'string')) {
      throw new Error(`${configPath}: field "architectures" must be a list of class names, found ${JSON.stringify(architectures)}; ${FIX_CONFIG}`);
    }
    const unsupported = architectures.filter((name) => !Object.hasOwn(MODEL_TYPES, name));
    if (unsupported.length > 0 || architectures.length !== 1) {
      const what = architectures.length === 0 ? 'an empty "architectures" list' : unsupported.length > 0 ? `architecture ${unsupported.map((name) => JSON.stringify(name)).join(', ')}` : `architectures ${JSON.stringify(architectures)} (more than one class)`;
      throw new Error(`${configPath}: ${what} is not supported; ${supported}`);
    }
    named = architectures[0] as SupportedArchitecture;
  }
  const byType = (Object.keys(MODEL_TYPES) as SupportedArchitecture[]).find((name) => MODEL_TYPES[name] === modelType);
  if (byType === undefined || (named !== undefined && named !== byType)) {
    const found = modelType === undefined ? 'no model_type' : `model_type ${JSON.stringify(modelType)}`;
    const expected = named === undefined ? '' : ` (architectures says ${named}, whose model_type is "${MODEL_TYPES[named]}")`;
    throw new Error(`${configPath}: ${found}${expected} — not a model Crucible can import; ${supported}`);
  }
  return byType;
}

function tokenIdOf(json: Record<string, unknown>, name: string, field: FieldError): number | null {
  const value = json[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return null;
  if (!Number.isSafeInteger(first) || (first as number) < 0) throw field(name, `must be a token id (a non-negative integer, or a list of them), found ${JSON.stringify(value)}`);
  return first as number;
}

type FieldError = (name: string, problem: string, remedy?: string) => Error;

function checkSizes(json: Record<string, unknown>, sizes: Record<(typeof REQUIRED_SIZES)[number], number>, field: FieldError): void {
  if (sizes.n_embd % sizes.n_head !== 0) throw field('n_embd', `(${sizes.n_embd}) must be divisible by n_head (${sizes.n_head}): each head gets n_embd / n_head channels`);
  const nCtx = json.n_ctx;
  if (nCtx !== undefined && nCtx !== null && nCtx !== sizes.n_positions) {
    throw field('n_ctx', `(${JSON.stringify(nCtx)}) differs from n_positions (${sizes.n_positions}); both give the context length — make them equal`);
  }
  const nInner = json.n_inner;
  if (nInner !== undefined && nInner !== null && nInner !== 4 * sizes.n_embd) {
    throw field('n_inner', `is ${JSON.stringify(nInner)}; Crucible supports GPT-2's MLP of 4 × n_embd (${4 * sizes.n_embd}) only — set n_inner to null if the weights have that size, otherwise this model cannot be imported`);
  }
}

function checkActivation(json: Record<string, unknown>, field: FieldError): void {
  const activation = json.activation_function ?? HF_GPT2_DEFAULTS.activation_function;
  if (typeof activation !== 'string' || !SUPPORTED_ACTIVATIONS.includes(activation)) {
    throw field('activation_function', `is ${JSON.stringify(activation)}; Crucible computes GELU's tanh approximation (${SUPPORTED_ACTIVATIONS.map((name) => `"${name}"`).join(' or ')}), so this model cannot be imported as it is`);
  }
}

/** Attention variants that change the function the weights compute; importing them would silently give other outputs. */
function checkAttentionVariant(json: Record<string, unknown>, field: FieldError): void {
  const cannot = 'Crucible computes standard GPT-2 attention, so this model cannot be imported';
  if (json.scale_attn_weights === false) throw field('scale_attn_weights', `is false; ${cannot}`);
  if (json.scale_attn_by_inverse_layer_idx === true) throw field('scale_attn_by_inverse_layer_idx', `is true; ${cannot}`);
  if (json.add_cross_attention === true) throw field('add_cross_attention', `is true; ${cannot} (cross-attention is for encoder-decoder use)`);
}

function numberOr(json: Record<string, unknown>, name: string, fallback: number, field: FieldError): number {
  const value = json[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw field(name, `must be a number, found ${JSON.stringify(value)}`);
  return value;
}
