// GPT-2's size: the exact parameter count and the activation memory per token the engine's memory planner splits
// batches by. Legend as in llm.c: V vocabulary, T sequence length, C channels (nEmbd), H heads, L layers.
import type { ModelSizing } from './model-sizing.ts';

export interface Gpt2Shape {
  vocabSize: number;
  /** The longest sequence the position table covers. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Biases in linear layers and LayerNorms. */
  bias: boolean;
}

/** The vocabulary of GPT-2's own tokenizer. */
export const GPT2_VOCAB_SIZE = 50_257;

const FLOAT32_BYTES = 4;

/**
 * Token and position embeddings (the output head is tied to the token embedding), then per block: attention qkv
 * and projection, the 4x MLP, two LayerNorms; then the final LayerNorm. Without bias, LayerNorms keep only weights.
 * The same count nanoGPT and Hugging Face report.
 */
function parameterCount(shape: Gpt2Shape): number {
  const { vocabSize: V, blockSize: T, nLayer: L, nEmbd: C, bias } = shape;
  const embeddings = V * C + T * C;
  const matrices = C * 3 * C + C * C + C * 4 * C + 4 * C * C;
  const biases = bias ? 3 * C + C + 4 * C + C : 0;
  const layerNorms = bias ? 2 * (2 * C) : 2 * C;
  const finalNorm = bias ? 2 * C : C;
  return embeddings + L * (matrices + biases + layerNorms) + finalNorm;
}

/**
 * float32 values each token keeps: per layer about 16 C-sized and 8 H·T-sized tensors (a token's row of the
 * attention scores and everything derived from them, forward and backward), plus 4 V-sized ones around the logits.
 * Calibrated on the engine's fused training step: peak RSS grew ~104 MiB per sequence of the L 6, H 6, C 384,
 * T 256 model, and this gives 108. Counting only the forward scores and softmax (2·H·T) and logits with their
 * gradient (2·V) underestimates long contexts and large vocabularies several times over.
 */
function activationBytesPerToken(shape: Gpt2Shape, sequenceLength: number): number {
  const perLayer = 16 * shape.nEmbd + 8 * shape.nHead * sequenceLength;
  return FLOAT32_BYTES * (shape.nLayer * perLayer + 4 * shape.vocabSize);
}

export const gpt2Sizing: ModelSizing<Gpt2Shape> = { family: 'gpt2', parameterCount, activationBytesPerToken };
