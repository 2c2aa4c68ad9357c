// The Llama model configuration (the fields of Hugging Face's LlamaConfig that Crucible uses) and its checks.
// Dimension legend used across llama/: B batch, T time, C channels (nEmbd = hidden_size), V vocabulary, H query heads,
// K key/value heads (nKvHead; H is a multiple of K), D headDim, F intermediateSize (SwiGLU's hidden width).

import { LLAMA_DEFAULTS, llamaDerivedDefaults } from '../../../app/models/llama-defaults.ts';

export interface LlamaConfig {
  architecture: 'llama';
  vocabSize: number;
  nLayer: number;
  /** Query heads (HF num_attention_heads). */
  nHead: number;
  /** Key/value heads (HF num_key_value_heads): nHead for multi-head attention, fewer for grouped-query attention. */
  nKvHead: number;
  /** The residual width (HF hidden_size). */
  nEmbd: number;
  /** One head's width (HF head_dim); usually nEmbd / nHead but free in HF. Even, as rotary rotates pairs. */
  headDim: number;
  /** SwiGLU's hidden width (HF intermediate_size). */
  intermediateSize: number;
  /** The longest sequence the model is trained for (HF max_position_embeddings). */
  blockSize: number;
  /** RoPE's base (HF rope_theta). */
  ropeTheta: number;
  rmsNormEps: number;
  /** The head shares the token embedding (HF tie_word_embeddings); otherwise lm_head.weight is its own tensor. */
  tieEmbeddings: boolean;
  /** Biases on q/k/v/o projections (HF attention_bias). */
  attentionBias: boolean;
  /** Biases on gate/up/down projections (HF mlp_bias). */
  mlpBias: boolean;
  /** Dropout on the attention probabilities (HF attention_dropout; Llama has no other dropout site). */
  dropout: number;
}

type Defaulted = keyof typeof LLAMA_DEFAULTS | 'nKvHead' | 'headDim' | 'intermediateSize';

/** A config with the defaulted fields left out (and `architecture` optional): llamaConfig fills them in. */
export type LlamaConfigInput = Omit<LlamaConfig, Defaulted | 'architecture'> & Partial<Pick<LlamaConfig, Defaulted | 'architecture'>>;

const POSITIVE_INTEGERS = ['vocabSize', 'nLayer', 'nHead', 'nKvHead', 'nEmbd', 'headDim', 'intermediateSize', 'blockSize'] as const;

/** Fills in defaults and checks the config; every error names the field and what to change. */
export function llamaConfig(input: LlamaConfigInput): LlamaConfig {
  if (input.architecture !== undefined && input.architecture !== 'llama') {
    throw new Error(`llama config: architecture is "${String(input.architecture)}", expected "llama"`);
  }
  const defaults = { ...LLAMA_DEFAULTS, ...llamaDerivedDefaults(input) };
  const config: LlamaConfig = { ...defaults, ...definedFields(input), architecture: 'llama' } as LlamaConfig;
  for (const field of POSITIVE_INTEGERS) {
    if (!Number.isInteger(config[field]) || config[field] < 1) {
      const hint = field === 'headDim' ? ' (by default nEmbd / nHead: make nEmbd divisible by nHead or set headDim)' : '';
      throw new Error(`llama config: ${field} (${config[field]}) must be a positive integer${hint}`);
    }
  }
  if (config.nHead % config.nKvHead !== 0) {
    throw new Error(`llama config: nHead (${config.nHead}) must be a multiple of nKvHead (${config.nKvHead}); each key/value head serves nHead / nKvHead query heads`);
  }
  if (config.headDim % 2 !== 0) throw new Error(`llama config: headDim (${config.headDim}) must be even, as rotary embeddings rotate pairs of channels`);
  if (!(config.ropeTheta > 0) || !Number.isFinite(config.ropeTheta)) throw new Error(`llama config: ropeTheta (${config.ropeTheta}) must be a positive number`);
  if (!(config.rmsNormEps > 0) || !Number.isFinite(config.rmsNormEps)) throw new Error(`llama config: rmsNormEps (${config.rmsNormEps}) must be a positive number`);
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`llama config: dropout (${config.dropout}) must be in [0, 1)`);
  for (const flag of ['tieEmbeddings', 'attentionBias', 'mlpBias'] as const) {
    if (typeof config[flag] !== 'boolean') throw new Error(`llama config: ${flag} (${String(config[flag])}) must be true or false`);
  }
  return config;
}

/** The input's fields that are set, so an explicit `undefined` does not erase a default. */
function definedFields(input: LlamaConfigInput): LlamaConfigInput {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as LlamaConfigInput;
}

/** Query heads per key/value head. */
export function kvGroupSize(config: LlamaConfig): number {
  return config.nHead / config.nKvHead;
}
