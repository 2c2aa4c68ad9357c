// Kept only because engine/ml/train/evaluate-model.ts (outside this change) still imports TrainBatch from here; the
// training step now lives in engine/ml/train/step/. Delete once that import points at step/train-batch.ts.

export type { TrainBatch } from '../train/step/train-batch.ts';
