// Derived facts the inspector shows for training nodes: the GPT-2 parameter count (exact, the same count nanoGPT
// and Hugging Face report) and a rough estimate of training memory in float32 with AdamW.

export interface Gpt2Shape {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  bias: boolean;
}

/**
 * Token and position embeddings (the output head is tied to the token embedding), then per block: attention qkv
 * and projection, the 4x MLP, two LayerNorms; then the final LayerNorm. Without bias, LayerNorms keep only weights.
 */
export function gpt2ParameterCount(shape: Gpt2Shape): number {
  const { vocabSize: V, blockSize: T, nLayer: L, nEmbd: C, bias } = shape;
  const embeddings = V * C + T * C;
  const matrices = C * 3 * C + C * C + C * 4 * C + 4 * C * C;
  const biases = bias ? 3 * C + C + 4 * C + C : 0;
  const layerNorms = bias ? 2 * (2 * C) : 2 * C;
  const finalNorm = bias ? 2 * C : C;
  return embeddings + L * (matrices + biases + layerNorms) + finalNorm;
}

export interface TrainingMemoryEstimate {
  /** Weights, gradients and AdamW's two moments: 4 float32 copies. */
  parameterBytes: number;
  /** Activations kept for the backward pass, per micro-batch. */
  activationBytes: number;
  totalBytes: number;
}

const FLOAT32_BYTES = 4;

/**
 * Activations per token per block ≈ 16·C floats (LayerNorm inputs, qkv, attention output, the 4C MLP twice) plus
 * 2·H·T for attention scores and their softmax; plus logits and their gradient (2·V) per token. A rough guide,
 * not a promise: runtimes reuse and add buffers.
 */
export function trainingMemoryEstimate(shape: Gpt2Shape, batchSize: number): TrainingMemoryEstimate {
  const params = gpt2ParameterCount(shape);
  const parameterBytes = params * FLOAT32_BYTES * 4;
  const tokens = batchSize * shape.blockSize;
  const perToken = shape.nLayer * (16 * shape.nEmbd + 2 * shape.nHead * shape.blockSize) + 2 * shape.vocabSize;
  const activationBytes = tokens * perToken * FLOAT32_BYTES;
  return { parameterBytes, activationBytes, totalBytes: parameterBytes + activationBytes };
}

export function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)}M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)}K`;
  return String(count);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
