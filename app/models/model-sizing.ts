// What the studio and the engine need to know about a model family's size: its parameter count and the activation
// memory a training step keeps per token. A family implements ModelSizing for its own shape (gpt2-sizing.ts).

export interface ModelSizing<Shape> {
  /** The family, as the training nodes' `architecture` field names it. */
  family: string;
  parameterCount(shape: Shape): number;
  /**
   * Bytes of activations one token keeps for the backward pass in a sequence of `sequenceLength` tokens (attention
   * makes the cost per token grow with the sequence). A calibrated estimate, not an exact count.
   */
  activationBytesPerToken(shape: Shape, sequenceLength: number): number;
}

/** float32 copies each parameter has while AdamW trains: the weight, its gradient and the two moments. */
const ADAMW_FLOAT32_COPIES = 4;
const FLOAT32_BYTES = 4;

export interface TrainingMemoryEstimate {
  /** Weights, gradients and AdamW's two moments, in float32. */
  parameterBytes: number;
  /** Activations kept for the backward pass by `rows` sequences at once. */
  activationBytes: number;
  totalBytes: number;
}

export function trainingMemoryEstimate<Shape>(sizing: ModelSizing<Shape>, shape: Shape, batch: { rows: number; sequenceLength: number }): TrainingMemoryEstimate {
  const parameterBytes = sizing.parameterCount(shape) * ADAMW_FLOAT32_COPIES * FLOAT32_BYTES;
  const activationBytes = batch.rows * batch.sequenceLength * sizing.activationBytesPerToken(shape, batch.sequenceLength);
  return { parameterBytes, activationBytes, totalBytes: parameterBytes + activationBytes };
}
