// The learning-rate schedule of every training node: linear warmup to the peak, then cosine decay to the minimum,
// as nanoGPT's get_lr computes it (steps count from 0; the rate stays at the minimum after maxSteps).

export interface LearningRateSchedule {
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  /** The step at which the cosine reaches minLearningRate (the run's length). */
  decaySteps: number;
}

/** The rate for optimizer step `step` (0-based). */
export function learningRateAt(step: number, schedule: LearningRateSchedule): number {
  const { learningRate, minLearningRate, warmupSteps, decaySteps } = schedule;
  // (step + 1) / (warmup + 1), as nanoGPT: the first step already moves the weights.
  if (step < warmupSteps) return (learningRate * (step + 1)) / (warmupSteps + 1);
  if (step >= decaySteps) return minLearningRate;
  const decayLength = Math.max(1, decaySteps - warmupSteps);
  const progress = (step - warmupSteps) / decayLength;
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return minLearningRate + cosine * (learningRate - minLearningRate);
}
