// Turns the trainer's per-step reports (pretrain and distill) into node progress: at most one update per interval, but always the
// evaluation steps (they carry train/val loss for the charts) and the last step.
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';

export const PROGRESS_INTERVAL_MS = 250;

export function stepProgress(report: TrainingStepReport): NodeProgress {
  const metrics: Record<string, number> = { loss: report.loss, lr: report.learningRate, tokensPerSec: report.tokensPerSec, gradNorm: report.gradNorm };
  if (report.trainLoss !== undefined) metrics.trainLoss = report.trainLoss;
  if (report.valLoss !== undefined) metrics.valLoss = report.valLoss;
  if (report.kdLoss !== undefined) metrics.kdLoss = report.kdLoss;
  if (report.ceLoss !== undefined) metrics.ceLoss = report.ceLoss;
  if (report.rssMiB !== undefined) metrics.rssMiB = report.rssMiB;
  if (report.cpuPercent !== undefined) metrics.cpuPercent = report.cpuPercent;
  if (report.gpuMiB !== undefined) metrics.gpuMiB = report.gpuMiB;
  const validation = report.valLoss === undefined ? '' : ` · val ${report.valLoss.toFixed(4)}`;
  const parts = report.kdLoss === undefined || report.ceLoss === undefined ? '' : ` (kd ${report.kdLoss.toFixed(4)} · ce ${report.ceLoss.toFixed(4)})`;
  return {
    fraction: report.step / report.maxSteps,
    step: report.step,
    etaMs: report.etaMs,
    message: `step ${report.step}/${report.maxSteps} · loss ${report.loss.toFixed(4)}${parts}${validation} · ${Math.round(report.tokensPerSec)} tok/s`,
    metrics,
  };
}

/** A step listener that forwards throttled progress; `now` is injectable for tests. */
export function throttledStepProgress(emit: (progress: NodeProgress) => void, intervalMs = PROGRESS_INTERVAL_MS, now: () => number = Date.now) {
  let lastEmittedAt = -Infinity;
  return (report: TrainingStepReport): void => {
    const important = report.valLoss !== undefined || report.step === report.maxSteps;
    if (!important && now() - lastEmittedAt < intervalMs) return;
    lastEmittedAt = now();
    emit(stepProgress(report));
  };
}
