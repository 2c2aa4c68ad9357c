// Llama's defaults, once for the studio and the engine: the pretrain node offers them as its config defaults, and the
// engine's llamaConfig fills them in for callers that leave them out. They follow the small open Llama-shaped models
// (SmolLM2, TinyLlama): tied embeddings, no biases, RoPE base 10000, RMSNorm epsilon 1e-5.
export const LLAMA_DEFAULTS = {
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieEmbeddings: true,
  attentionBias: false,
  mlpBias: false,
  dropout: 0,
} as const;

/** SwiGLU's hidden width when none is given: 8/3 of the model width (Llama's ratio), rounded up to a multiple of 32. */
export function defaultIntermediateSize(nEmbd: number): number {
  return Math.ceil((8 * nEmbd) / 3 / 32) * 32;
}

/** The Llama fields a user may leave out, with what they default to given the shape's required fields. */
export interface LlamaDefaultedFields {
  nKvHead: number;
  headDim: number;
  intermediateSize: number;
}

/** nKvHead = nHead (multi-head attention), headDim = nEmbd / nHead, intermediateSize = defaultIntermediateSize(nEmbd). */
export function llamaDerivedDefaults(shape: { nHead: number; nEmbd: number }): LlamaDefaultedFields {
  return { nKvHead: shape.nHead, headDim: shape.nEmbd / shape.nHead, intermediateSize: defaultIntermediateSize(shape.nEmbd) };
}
