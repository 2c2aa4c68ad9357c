// The PyTorch trainer's JSON-line events (crucible_torch/events.py) folded into the same step reports the ONNX
// Runtime trainer gives (TrainingStepReport): a step's report waits for its evaluation, when one follows, so a chart
// gets train and val loss on the step they belong to; tokens/s and the ETA are computed as engine/ml/train/trainer.ts
// does (training time of this run's steps; wall time per step × steps left).

import type { TrainingStepReport } from '../../app/artifacts/reports.ts';

export interface TorchRunSummary {
  /** What `start` said. */
  worldSize: number | null;
  device: string | null;
  resumedFromStep: number | null;
  /** The last checkpoint written (step), or null. */
  lastCheckpointStep: number | null;
  /** The `done` event, once it came. */
  done: { step: number; safetensors: string; config: string; adapters: string | null } | null;
  /** The trainer's own `error` event message. */
  error: string | null;
  /** Final loss, trainLoss, valLoss, tokensPerSec and steps, as the ONNX trainer's metrics. */
  metrics: Record<string, number>;
}

const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export class TrainerEventFold {
  readonly summary: TorchRunSummary = { worldSize: null, device: null, resumedFromStep: null, lastCheckpointStep: null, done: null, error: null, metrics: {} };
  private pending: TrainingStepReport | null = null;
  private firstStep: number | null = null;
  private startedAt: number | null = null;
  private trainingMs = 0;

  constructor(
    private readonly maxSteps: number,
    private readonly tokensPerStep: number,
    private readonly onStep: (report: TrainingStepReport) => void,
    private readonly onLog: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(event: Record<string, unknown>): void {
    switch (event.event) {
      case 'start':
        this.summary.worldSize = number(event.worldSize) ?? null;
        this.summary.device = typeof event.device === 'string' ? event.device : null;
        this.summary.resumedFromStep = number(event.resumedFromStep) ?? null;
        this.onLog(`PyTorch trainer started: ${this.summary.worldSize ?? '?'} rank(s) on ${this.summary.device ?? '?'}${number(event.parameters) === undefined ? '' : `, ${number(event.parameters)} parameters`}`);
        return;
      case 'step':
        this.flush();
        this.pending = this.stepReport(event);
        return;
      case 'eval': {
        const step = number(event.step);
        const evaluation = { trainLoss: number(event.trainLoss), valLoss: number(event.valLoss) };
        if (evaluation.valLoss !== undefined) Object.assign(this.summary.metrics, { trainLoss: evaluation.trainLoss, valLoss: evaluation.valLoss });
        if (this.pending !== null && this.pending.step === step) Object.assign(this.pending, evaluation);
        this.flush();
        return;
      }
      case 'checkpoint':
        this.flush();
        this.summary.lastCheckpointStep = number(event.step) ?? this.summary.lastCheckpointStep;
        return;
      case 'done':
        this.flush();
        this.summary.done = {
          step: number(event.step) ?? this.maxSteps,
          safetensors: String(event.safetensors),
          config: String(event.config),
          adapters: typeof event.adapters === 'string' ? event.adapters : null,
        };
        this.takeMissingMetrics(event.metrics);
        return;
      case 'error':
        this.flush();
        this.summary.error = typeof event.message === 'string' ? event.message : JSON.stringify(event);
        return;
      default:
        this.onLog(`PyTorch trainer: ${JSON.stringify(event)}`);
    }
  }

  /**
   * The trainer's own metrics, for each one this run's events did not give: a run that resumes at its final checkpoint
   * (the model was not written after training ended) trains no step and gets its loss and valLoss only here.
   */
  private takeMissingMetrics(metrics: unknown): void {
    if (typeof metrics !== 'object' || metrics === null) return;
    for (const [name, value] of Object.entries(metrics)) {
      if (this.summary.metrics[name] === undefined && number(value) !== undefined) this.summary.metrics[name] = value as number;
    }
  }

  /** Hands on a step report still waiting for its evaluation (the run ended). */
  flush(): void {
    if (this.pending === null) return;
    const report = this.pending;
    this.pending = null;
    this.onStep(report);
  }

  private stepReport(event: Record<string, unknown>): TrainingStepReport {
    const step = number(event.step) ?? 0;
    const loss = number(event.loss) ?? Number.NaN;
    const now = this.now();
    if (this.firstStep === null) {
      // The first step of this run: ETA and tokens/s count from the step before it, as the ONNX trainer's do.
      this.firstStep = step - 1;
      this.startedAt = now - (number(event.ms) ?? 0);
    }
    this.trainingMs += number(event.ms) ?? 0;
    const stepsThisRun = step - this.firstStep;
    const elapsedMs = now - (this.startedAt as number);
    const tokensPerSec = this.trainingMs > 0 ? (stepsThisRun * this.tokensPerStep * 1000) / this.trainingMs : 0;
    Object.assign(this.summary.metrics, { loss, steps: step, tokensPerSec });
    return {
      step,
      maxSteps: this.maxSteps,
      loss,
      gradNorm: number(event.gradNorm) ?? Number.NaN,
      learningRate: number(event.lr) ?? Number.NaN,
      tokensPerSec,
      etaMs: stepsThisRun > 0 ? (elapsedMs / stepsThisRun) * (this.maxSteps - step) : 0,
    };
  }
}
