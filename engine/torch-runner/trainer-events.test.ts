import { describe, expect, it } from 'vitest';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import { TrainerEventFold } from './trainer-events.ts';

function fold() {
  const reports: TrainingStepReport[] = [];
  const logs: string[] = [];
  let clock = 1000;
  const events = new TrainerEventFold(10, 12 * 64, (report) => reports.push(report), (line) => logs.push(line), () => clock);
  return { events, reports, logs, advance: (ms: number) => (clock += ms) };
}

describe('TrainerEventFold', () => {
  it('turns step events into step reports, with the evaluation on its own step', () => {
    const { events, reports, advance } = fold();
    events.take({ event: 'start', worldSize: 2, device: 'cpu', resumedFromStep: 4 });
    advance(100);
    events.take({ event: 'step', step: 5, loss: 3.5, gradNorm: 0.9, lr: 1e-3, tokensPerSec: 1, ms: 100 });
    expect(reports, 'a step report waits for an evaluation that may follow').toEqual([]);
    events.take({ event: 'eval', step: 5, trainLoss: 3.4, valLoss: 3.6 });
    advance(300);
    events.take({ event: 'step', step: 6, loss: 3.3, gradNorm: 0.8, lr: 9e-4, ms: 200 });
    events.take({ event: 'checkpoint', step: 6, path: '/x' });
    expect(reports).toEqual([
      { step: 5, maxSteps: 10, loss: 3.5, gradNorm: 0.9, learningRate: 1e-3, tokensPerSec: (12 * 64 * 1000) / 100, etaMs: 100 * 5, trainLoss: 3.4, valLoss: 3.6 },
      // Two steps in 300 ms of training and 400 ms of wall time since the step before the first.
      { step: 6, maxSteps: 10, loss: 3.3, gradNorm: 0.8, learningRate: 9e-4, tokensPerSec: (2 * 12 * 64 * 1000) / 300, etaMs: (400 / 2) * 4 },
    ]);
    events.take({ event: 'done', step: 10, safetensors: '/o/model.safetensors', config: '/o/config.json', adapters: null });
    expect(events.summary).toMatchObject({ worldSize: 2, device: 'cpu', resumedFromStep: 4, lastCheckpointStep: 6, error: null, done: { step: 10, safetensors: '/o/model.safetensors', adapters: null } });
    expect(events.summary.metrics).toMatchObject({ loss: 3.3, steps: 6, trainLoss: 3.4, valLoss: 3.6 });
  });

  it('takes the metrics of a run that resumed at its final checkpoint from the done event', () => {
    const { events, reports } = fold();
    events.take({ event: 'start', worldSize: 1, device: 'cpu', resumedFromStep: 10 });
    events.take({ event: 'done', step: 10, safetensors: '/o/model.safetensors', config: '/o/config.json', adapters: null, metrics: { loss: 2.1, steps: 10, tokensPerSec: 5000, trainLoss: 2.0, valLoss: 2.2, nan: null } });
    expect(reports).toEqual([]);
    expect(events.summary.metrics).toEqual({ loss: 2.1, steps: 10, tokensPerSec: 5000, trainLoss: 2.0, valLoss: 2.2 });
  });

  it('keeps what this run measured over the done event’s metrics', () => {
    const { events } = fold();
    events.take({ event: 'step', step: 10, loss: 3.3, gradNorm: 0.8, lr: 9e-4, ms: 100 });
    events.take({ event: 'done', step: 10, safetensors: '/o/model.safetensors', config: '/o/config.json', adapters: null, metrics: { loss: 9, steps: 10, tokensPerSec: 1, trainLoss: 3.1, valLoss: 3.4 } });
    expect(events.summary.metrics).toEqual({ loss: 3.3, steps: 10, tokensPerSec: (12 * 64 * 1000) / 100, trainLoss: 3.1, valLoss: 3.4 });
  });

  it('keeps the trainer’s error and hands on the last step when the run ends', () => {
    const { events, reports, logs } = fold();
    events.take({ event: 'step', step: 1, loss: 4, gradNorm: 1, lr: 1e-4, ms: 50 });
    events.take({ event: 'error', message: 'job.data.train: /x.bin does not exist or is not a file' });
    expect(reports.map((report) => report.step)).toEqual([1]);
    expect(events.summary.error).toBe('job.data.train: /x.bin does not exist or is not a file');
    events.take({ event: 'surprise', value: 1 });
    expect(logs.at(-1)).toBe('PyTorch trainer: {"event":"surprise","value":1}');
  });
});
