// The model configuration of any family Crucible trains and serves. GPT-2 configs carry no architecture field (their
// shape predates the Llama family); every other family names itself in `architecture`.

import type { Gpt2Config } from './gpt2/config.ts';
import type { LlamaConfig } from './llama/config.ts';

export type ModelConfig = Gpt2Config | LlamaConfig;

export type ModelArchitecture = 'gpt2' | 'llama';

export function isLlamaConfig(config: ModelConfig): config is LlamaConfig {
  return (config as Partial<LlamaConfig>).architecture === 'llama';
}

export function architectureOf(config: ModelConfig): ModelArchitecture {
  return isLlamaConfig(config) ? 'llama' : 'gpt2';
}

/** For the paths that handle GPT-2 only: the config as a GPT-2, or an error naming what refused the Llama. */
export function requireGpt2(config: ModelConfig, what: string): Gpt2Config {
  if (isLlamaConfig(config)) throw new Error(`${what} handles GPT-2 models only, and this model is a Llama (${config.nLayer} layers, ${config.nEmbd} wide)`);
  return config;
}
