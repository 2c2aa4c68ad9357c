// The training process's usage readings: resident memory in MiB, and CPU time over wall time across all cores.
import { describe, expect, it } from 'vitest';
import { processUsageReader } from './process-usage.ts';

describe('processUsageReader', () => {
  it('reads the resident memory and the CPU share of the time since the last reading', () => {
    const read = processUsageReader();
    const until = performance.now() + 60;
    let spin = 0;
    while (performance.now() < until) spin += Math.sqrt(spin + 1);
    const busy = read();
    expect(busy.rssMiB).toBeCloseTo(process.memoryUsage.rss() / 2 ** 20, -1);
    expect(busy.cpuPercent).toBeGreaterThan(0);
    expect(busy.cpuPercent).toBeLessThanOrEqual(100);
    expect(spin).toBeGreaterThan(0);
  });

  it('counts CPU time against the wall time of its own clock', () => {
    let now = 0;
    const read = processUsageReader(() => now);
    now = 1e9; // a long idle wall time: whatever CPU this process spent is a tiny share of it
    expect(read().cpuPercent).toBeLessThan(1);
  });
});
