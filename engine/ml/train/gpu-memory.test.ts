// Reading this process's GPU memory from nvidia-smi's per-process CSV, at most every few seconds, and never again
// once nvidia-smi is missing.
import { describe, expect, it } from 'vitest';
import { GPU_MEMORY_READ_INTERVAL_MS, gpuMemoryOfProcess, gpuMemoryReader } from './gpu-memory.ts';

describe('gpu memory', () => {
  it("sums this process's rows across GPUs and ignores others", () => {
    expect(gpuMemoryOfProcess('4242, 1500\n999, 7000\n4242, 300\n', 4242)).toBe(1800);
    expect(gpuMemoryOfProcess('999, 7000\n', 4242)).toBeUndefined();
    expect(gpuMemoryOfProcess('', 4242)).toBeUndefined();
  });

  it('asks nvidia-smi at most once per interval, and never again when it is missing', () => {
    let now = 0;
    const calls: string[] = [];
    const read = gpuMemoryReader({ pid: 7, now: () => now, run: (command) => (calls.push(command), { ok: true, stdout: '7, 512\n' }) });
    expect(read()).toBe(512);
    now += GPU_MEMORY_READ_INTERVAL_MS - 1;
    expect(read()).toBe(512);
    expect(calls).toHaveLength(1);
    now += 1;
    read();
    expect(calls).toHaveLength(2);

    let asked = 0;
    const missing = gpuMemoryReader({ now: () => (now += GPU_MEMORY_READ_INTERVAL_MS), run: () => (asked++, { ok: false, stdout: '' }) });
    expect([missing(), missing(), missing()]).toEqual([undefined, undefined, undefined]);
    expect(asked).toBe(1);
  });
});
