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
