// What training, distillation and evaluation report: the per-step numbers a run streams, and the reports stored
// with a model. Shared by the ML core that computes them, the node runs that record them, and the studio.

/** One optimizer step as the trainer reports it; `trainLoss`/`valLoss` only on evaluation steps. */
export interface TrainingStepReport {
  step: number;
  maxSteps: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  tokensPerSec: number;
  etaMs: number;
  trainLoss?: number;
  valLoss?: number;
  /** A distillation step's loss split into its KD (T²·KL) and cross-entropy terms. */
  kdLoss?: number;
  ceLoss?: number;
  /** The training process's resident memory (MiB) and CPU use (% of all cores) over the step, where the trainer reads them. */
  rssMiB?: number;
  cpuPercent?: number;
  /** GPU memory (MiB) the training process holds, when it trains on CUDA and nvidia-smi lists it. */
  gpuMiB?: number;
}

/** One model's side of the distillation report. */
export interface DistilledModelSide {
  parameters: number;
  /** Mean loss on the same fixed validation windows for both models. */
  valLoss: number;
  /** Batch-1 decode speed of the exported decoder, one thread. */
  decodeTokensPerSec: number;
}

export interface DistillationReport {
  teacher: DistilledModelSide;
  student: DistilledModelSide;
  /** student parameters / teacher parameters. */
  parameterRatio: number;
  /** student decode tokens/s / teacher decode tokens/s. */
  decodeSpeedup: number;
}

export interface EvaluationResult {
  /** The decoder file scored (relative to the model folder) and its precision, e.g. "int8 (MatMulNBits, block 32)". */
  decoder: string;
  precision: string;
  valLoss: number;
  perplexity: number;
  bitsPerToken: number;
  bitsPerCharacter: number | null;
  bitsPerByte: number | null;
  tokensScored: number;
  samples: { prompt: string; text: string; tokens: number }[];
  /** The optional multiple-choice suite's accuracy (engine/ml/train/multiple-choice.ts); null when none was given. */
  multipleChoice: MultipleChoiceReport | null;
}

/** A multiple-choice suite scored by log-likelihood: the share of questions whose right choice scored highest. */
export interface MultipleChoiceReport {
  file: string;
  questions: number;
  /** By the choices' summed log probability. */
  accuracy: number;
  /** By summed log probability per character of the choice (lm-evaluation-harness's acc_norm). */
  accuracyNorm: number;
}
