// Test support: a GenerationRequest with neutral settings (greedy, no penalties), overridable per test.
import type { GenerationRequest } from '../text-generator.ts';

export function generationRequest(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    promptTokens: [1, 2, 3],
    maxTokens: 8,
    temperature: 0,
    topP: 1,
    topK: 0,
    frequencyPenalty: 0,
    presencePenalty: 0,
    logitBias: new Map(),
    logprobs: false,
    topLogprobs: 0,
    ...overrides,
  };
}
