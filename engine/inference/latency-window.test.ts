// The latency window keeps only the last windowMs of samples and gives their median.
import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency-window.ts';

describe('LatencyWindow', () => {
  it('gives the median of the samples within the window, and null once they are all older', () => {
    let nowMs = 0;
    const window = new LatencyWindow({ windowMs: 1_000, now: () => nowMs });
    expect(window.median()).toBeNull();
    window.add(300);
    nowMs = 400;
    window.add(100);
    window.add(200);
    expect(window.median()).toBe(200);
    window.add(900);
    expect(window.median()).toBe(250);
    nowMs = 1_200; // the 300 ms sample, taken at t = 0, has left the window
    expect(window.median()).toBe(200);
    nowMs = 1_401;
    expect(window.median()).toBeNull();
  });
});
