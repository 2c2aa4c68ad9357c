// GPT-2's defaults, once for the studio and the engine: the pretrain and distill nodes offer dropout and bias as their
// config defaults (nodes/shared/fields.ts), and the engine's gpt2Config fills all three in for callers that leave
// them out (tests, benchmarks). The LayerNorm epsilon is no node field: every Crucible GPT-2 uses Hugging Face's.
export const GPT2_DEFAULTS = { dropout: 0, bias: true, layerNormEpsilon: 1e-5 } as const;
