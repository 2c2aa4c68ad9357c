// The training family and the sizing of any ModelConfig: the one place the trainer, the evaluator and the memory
// planner choose between GPT-2 and Llama.

import { gpt2Sizing } from '../../../app/models/gpt2-sizing.ts';
import { llamaSizing } from '../../../app/models/llama-sizing.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';
import { gpt2Family } from './gpt2-family.ts';
import { llamaFamily } from './llama-family.ts';
import type { ModelFamily } from './step/model-family.ts';

export function familyFor(config: ModelConfig): ModelFamily {
  return isLlamaConfig(config) ? llamaFamily(config) : gpt2Family(config);
}

/** Parameters and activation bytes per token of a config (app/models), as the studio computes them. */
export function sizingFor(config: ModelConfig): { parameterCount(): number; activationBytesPerToken(sequenceLength: number): number } {
  if (isLlamaConfig(config)) return { parameterCount: () => llamaSizing.parameterCount(config), activationBytesPerToken: (time) => llamaSizing.activationBytesPerToken(config, time) };
  return { parameterCount: () => gpt2Sizing.parameterCount(config), activationBytesPerToken: (time) => gpt2Sizing.activationBytesPerToken(config, time) };
}
