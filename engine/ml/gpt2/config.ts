// The GPT-2 model configuration (the fields of Hugging Face's GPT2Config that Crucible uses) and its checks.
// Dimension legend used across gpt2/: B batch, T time (sequence), C channels (nEmbd), V vocabulary, H heads, D = C / H.

import { GPT2_DEFAULTS } from '../../../app/models/gpt2-defaults.ts';

export interface Gpt2Config {
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** The longest sequence the position table covers (HF n_positions). */
  blockSize: number;
  /** One probability for embedding, attention and residual dropout, as HF's three pdrops set alike. */
  dropout: number;
  /** Biases in linear layers and LayerNorms (HF GPT-2 always has them; false is nanoGPT's variant). */
  bias: boolean;
  layerNormEpsilon: number;
}

/** A config with dropout, bias or the LayerNorm epsilon left out: GPT2_DEFAULTS (app/models) fills them in. */
export type Gpt2ConfigInput = Omit<Gpt2Config, keyof typeof GPT2_DEFAULTS> & Partial<Pick<Gpt2Config, keyof typeof GPT2_DEFAULTS>>;

export function gpt2Config(input: Gpt2ConfigInput): Gpt2Config {
  const config: Gpt2Config = { ...GPT2_DEFAULTS, ...input };
  for (const field of ['vocabSize', 'nLayer', 'nHead', 'nEmbd', 'blockSize'] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 1) {
      throw new Error(`gpt2 config: ${field} (${config[field]}) must be a positive integer`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new Error(`gpt2 config: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`gpt2 config: dropout (${config.dropout}) must be in [0, 1)`);
  return config;
}

export function headSize(config: Gpt2Config): number {
  return config.nEmbd / config.nHead;
}
