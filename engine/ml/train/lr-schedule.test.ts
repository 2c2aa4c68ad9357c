// Tests for the warmup + cosine schedule: the values at the landmarks, monotonic pieces, and the floor.

import { describe, expect, it } from 'vitest';
import { learningRateAt, type LearningRateSchedule } from './lr-schedule.ts';

const schedule: LearningRateSchedule = { learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 100, decaySteps: 2000 };

describe('learningRateAt', () => {
  it('warms up linearly from lr/(warmup+1) to just under the peak', () => {
    expect(learningRateAt(0, schedule)).toBeCloseTo(1e-3 / 101, 12);
    expect(learningRateAt(49, schedule)).toBeCloseTo((1e-3 * 50) / 101, 12);
    expect(learningRateAt(99, schedule)).toBeCloseTo((1e-3 * 100) / 101, 12);
  });

  it('decays along a cosine from the peak to the minimum', () => {
    expect(learningRateAt(100, schedule)).toBeCloseTo(1e-3, 12);
    const midpoint = 100 + (2000 - 100) / 2;
    expect(learningRateAt(midpoint, schedule)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(learningRateAt(2000, schedule)).toBeCloseTo(1e-4, 12);
    const quarter = 100 + (2000 - 100) / 4;
    expect(learningRateAt(quarter, schedule)).toBeCloseTo(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), 12);
  });

  it('never rises after warmup and stays at the minimum past the end', () => {
    let previous = Infinity;
    for (let step = 100; step <= 2000; step += 7) {
      const rate = learningRateAt(step, schedule);
      expect(rate).toBeLessThanOrEqual(previous);
      previous = rate;
    }
    expect(learningRateAt(5000, schedule)).toBe(1e-4);
  });

  it('handles no warmup and a warmup longer than the run', () => {
    expect(learningRateAt(0, { ...schedule, warmupSteps: 0 })).toBeCloseTo(1e-3, 12);
    const longWarmup = { ...schedule, warmupSteps: 500, decaySteps: 10 };
    expect(learningRateAt(9, longWarmup)).toBeCloseTo((1e-3 * 10) / 501, 12);
  });
});
