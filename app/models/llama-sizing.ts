// Llama's size: the exact parameter count and the activation memory per token the engine's memory planner splits
// batches by. Legend: V vocabulary, T sequence length, C channels (hidden_size), H query heads, K key/value heads,
// D head size, F SwiGLU width (intermediate_size), L layers.
import type { ModelSizing } from './model-sizing.ts';

export interface LlamaShape {
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  nEmbd: number;
  headDim: number;
  intermediateSize: number;
  /** The head shares the token embedding; otherwise lm_head is a second V×C matrix. */
  tieEmbeddings: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
}

const FLOAT32_BYTES = 4;

/** Embedding, per layer q/k/v/o, gate/up/down and two RMSNorm weights, the final RMSNorm, lm_head when untied (HF's count). */
function parameterCount(shape: LlamaShape): number {
  const { vocabSize: V, nLayer: L, nHead: H, nKvHead: K, nEmbd: C, headDim: D, intermediateSize: F } = shape;
  const attention = C * H * D + 2 * C * K * D + H * D * C + (shape.attentionBias ? H * D + 2 * K * D + C : 0);
  const mlp = 3 * C * F + (shape.mlpBias ? 2 * F + C : 0);
  return V * C + L * (attention + mlp + 2 * C) + C + (shape.tieEmbeddings ? 0 : V * C);
}

/**
 * float32 values each token keeps, counted like GPT-2's (gpt2-sizing.ts): per layer about 12 C-sized tensors (the
 * residual, two RMSNorms and their statistics, the projections' outputs and their gradients), 6 H·D and 4 K·D for
 * q, k, v and their rotations, 5 F for SwiGLU's gate, up, SiLU and product, and 8 H·T for the attention scores and
 * what derives from them; plus 4 V around the logits. Not yet calibrated against a measured peak as GPT-2's is.
 */
function activationBytesPerToken(shape: LlamaShape, sequenceLength: number): number {
  const perLayer = 12 * shape.nEmbd + 6 * shape.nHead * shape.headDim + 4 * shape.nKvHead * shape.headDim + 5 * shape.intermediateSize + 8 * shape.nHead * sequenceLength;
  return FLOAT32_BYTES * (shape.nLayer * perLayer + 4 * shape.vocabSize);
}

export const llamaSizing: ModelSizing<LlamaShape> = { family: 'llama', parameterCount, activationBytesPerToken };
