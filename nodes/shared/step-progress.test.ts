// Training progress (pretrain and distill): reports become progress with the chart metrics, throttled except for evaluation and last steps.
import { describe, expect, it } from 'vitest';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import { stepProgress, throttledStepProgress } from './step-progress.ts';

const report = (step: number, extra: Partial<TrainingStepReport> = {}): TrainingStepReport => ({
  step, maxSteps: 10, loss: 2.5, gradNorm: 0.7, learningRate: 1e-3, tokensPerSec: 1234.4, etaMs: 500, ...extra,
});

describe('training step progress', () => {
  it('carries fraction, step, ETA, a message and the chart metrics', () => {
    expect(stepProgress(report(4, { valLoss: 2.25, trainLoss: 2.2 }))).toEqual({
      fraction: 0.4,
      step: 4,
      etaMs: 500,
      message: 'step 4/10 · loss 2.5000 · val 2.2500 · 1234 tok/s',
      metrics: { loss: 2.5, lr: 1e-3, tokensPerSec: 1234.4, gradNorm: 0.7, trainLoss: 2.2, valLoss: 2.25 },
    });
  });

  it("shows a distillation step's KD and CE terms in the message and the metrics", () => {
    const progress = stepProgress(report(2, { loss: 1.5, kdLoss: 1.25, ceLoss: 1.75 }));
    expect(progress.message).toBe('step 2/10 · loss 1.5000 (kd 1.2500 · ce 1.7500) · 1234 tok/s');
    expect(progress.metrics).toMatchObject({ loss: 1.5, kdLoss: 1.25, ceLoss: 1.75 });
  });

  it('emits at most once per interval, but always evaluation steps and the last step', () => {
    let clock = 0;
    const emitted: NodeProgress[] = [];
    const onStep = throttledStepProgress((progress) => emitted.push(progress), 100, () => clock);
    for (let step = 1; step <= 10; step++) {
      clock += 30;
      onStep(report(step, step === 5 ? { valLoss: 2 } : {}));
    }
    expect(emitted.map((progress) => progress.step)).toEqual([1, 5, 9, 10]);
  });
});
