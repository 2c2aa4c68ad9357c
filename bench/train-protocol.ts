// What bench/train.ts sends to its two training workers (Crucible's and PyTorch's, tools/torch_train_bench.py)
// over JSON lines on stdin/stdout, and the model presets it benchmarks. Both workers answer the same messages.

export interface BenchModel {
  name: string;
  /** GPT-2 when absent. */
  architecture?: 'llama';
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  batchSize: number;
  /** Llama only: key/value heads and the SwiGLU width. */
  nKvHead?: number;
  intermediateSize?: number;
}

/** nanoGPT's CPU reference (config/train_shakespeare_char.py with the README's CPU overrides, dropout 0). */
export const NANO_CPU: BenchModel = { name: 'nanoGPT CPU 4/4/128', nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batchSize: 12 };
/** nanoGPT's shakespeare-char GPU model: 10.7M parameters. */
export const GPT_10M: BenchModel = { name: '10.7M 6/6/384', nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, batchSize: 64 };

/**
 * Llamas of about the two GPT-2s' parameter counts at the same depth, heads, width, context and batch, with grouped-query
 * attention (half as many key/value heads) and the SwiGLU width chosen to match: 0.80M beside 0.81M, 10.79M beside 10.75M.
 */
export const LLAMA_NANO_CPU: BenchModel = { ...NANO_CPU, name: 'Llama 4/4(2)/128', architecture: 'llama', nKvHead: 2, intermediateSize: 384 };
export const LLAMA_10M: BenchModel = { ...GPT_10M, name: 'Llama 10.8M 6/6(2)/384', architecture: 'llama', nKvHead: 2, intermediateSize: 1216 };

/** The first line each worker reads. Field names are shared with the Python worker, so keep them flat. */
export interface WorkerSettings {
  model: BenchModel;
  dataPath: string;
  /** Fraction of the corpus used for training; the rest is the validation split. */
  trainFraction: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  decaySteps: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  gradClip: number;
  threads: number;
  seed: number;
}

/** Training windows are drawn by the orchestrator, so both workers train on exactly the same batches. */
export type WorkerCommand =
  | { cmd: 'train'; firstStep: number; starts: number[][] }
  | { cmd: 'eval'; starts: number[][] }
  | { cmd: 'finish' };

export interface ReadyReply {
  setupMs: number;
  parameters: number;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
}

export interface TrainReply {
  /** Wall time of each iteration: batch assembly, forward, backward, clipping and the AdamW update. */
  stepMs: number[];
  losses: number[];
}

export interface EvalReply {
  valLoss: number;
  wallMs: number;
}

export interface FinishReply {
  peakRssMb: number;
}

export const BENCH_HYPERPARAMETERS = {
  trainFraction: 0.9,
  learningRate: 1e-3,
  minLearningRate: 1e-4,
  warmupSteps: 100,
  beta1: 0.9,
  beta2: 0.99,
  weightDecay: 0.1,
  gradClip: 1,
} as const;
