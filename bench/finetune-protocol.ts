// What bench/finetune.ts hands its speed workers (bench/finetune-crucible-worker.ts and tools/torch_finetune_bench.py,
// one process per implementation and method, settings as the one command-line argument) and what each prints back as
// its last stdout line. Field names are shared with the Python worker, so keep them flat.

export type FinetuneMethod = 'full' | 'lora';

export interface FinetuneModelShape {
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Context length (HF n_positions); the step trains on `time` <= this. */
  blockSize: number;
}

/** GPT-2 small (124M): the shape issue 13 §5 fine-tunes. */
export const GPT2_SMALL: FinetuneModelShape = { vocabSize: 50_257, nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024 };

export interface LoraSettings {
  rank: number;
  alpha: number;
  /** Linears per block that get adapters, e.g. attn.c_attn (engine/ml/lora LORA_TARGETS). */
  targets: string[];
}

export interface FinetuneWorkerSettings {
  method: FinetuneMethod;
  model: FinetuneModelShape;
  /** Rows and tokens per row of one optimizer step. */
  batch: number;
  time: number;
  warmupSteps: number;
  /** Measured steps after the warmup. */
  steps: number;
  threads: number;
  seed: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** AdamW's decoupled decay on >= 2-D tensors (both sides). */
  weightDecay: number;
  gradClip: number;
  lora: LoraSettings;
  /** Crucible only: micro-batches per step; null follows the trainer's memory planner (engine/ml/train/memory-plan.ts). */
  microBatches: number | null;
  /** Crucible only: the step sessions' ORT memory; null follows the memory planner ('lean' or 'arena'). */
  memory: 'lean' | 'arena' | null;
}

export interface FinetuneWorkerResult {
  implementation: string;
  setupMs: number;
  parameters: number;
  trainedParameters: number;
  /** Micro-batches each step ran (Crucible splits when the memory planner says so; PyTorch always 1). */
  microBatches: number;
  /** Wall time of each measured step (after the warmup): forward, backward, clipping and AdamW. */
  stepMs: number[];
  /** CPU time (user + system, every thread of the process) of each measured step: steadier than wall time on a busy machine. */
  cpuMs: number[];
  losses: number[];
  peakRssMb: number;
  /** Crucible: the memory planner's verdict for this batch, shown under the table. */
  planNote?: string;
}
