// Reading this process's GPU memory from nvidia-smi's per-process CSV: in the background, one read at a time, at most
// every few seconds, and never again once nvidia-smi is missing, fails or hangs. Stand-in nvidia-smi executables
// (shell scripts in a temp folder) play the GPU.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GPU_MEMORY_READ_INTERVAL_MS, gpuMemoryOfProcess, gpuMemoryReader, NVIDIA_SMI_TIMEOUT_MS } from './gpu-memory.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An executable that logs each call's arguments to `<name>.calls`, then runs `body`. */
function fakeNvidiaSmi(name: string, body: string): { command: string; calls: () => string[] } {
  const command = path.join(dir, name);
  const log = `${command}.calls`;
  writeFileSync(log, '');
  writeFileSync(command, `#!/bin/sh\necho "$@" >> '${log}'\n${body}\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('gpu memory', () => {
  it("sums this process's rows across GPUs and ignores others", () => {
    expect(gpuMemoryOfProcess('4242, 1500\n999, 7000\n4242, 300\n', 4242)).toBe(1800);
    expect(gpuMemoryOfProcess('999, 7000\n', 4242)).toBeUndefined();
    expect(gpuMemoryOfProcess('', 4242)).toBeUndefined();
  });

  it('asks nvidia-smi for the per-process list at most once per interval and keeps the last reading', async () => {
    const smi = fakeNvidiaSmi('listing', "printf '7, 512\\n999, 4000\\n7, 100\\n'");
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command: smi.command });
    expect(read()).toBeUndefined(); // the first read is under way
    await vi.waitFor(() => expect(read()).toBe(612), { timeout: 10_000 }); // a shell's start can take seconds under load
    expect(smi.calls()).toEqual(['--query-compute-apps=pid,used_memory --format=csv,noheader,nounits']);
    now += GPU_MEMORY_READ_INTERVAL_MS - 1;
    expect(read()).toBe(612);
    now += 1;
    expect(read()).toBe(612);
    await vi.waitFor(() => expect(smi.calls()).toHaveLength(2), { timeout: 10_000 });
  });

  it('returns at once while nvidia-smi is slow, with one read in flight', async () => {
    const smi = fakeNvidiaSmi('slow', "sleep 0.5\nprintf '7, 256\\n'");
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command: smi.command });
    const startedAt = performance.now();
    for (let i = 0; i < 5; i++) {
      expect(read()).toBeUndefined();
      now += GPU_MEMORY_READ_INTERVAL_MS;
    }
    // A reader that waited for nvidia-smi would take 5 × 0.5 s here; the bound leaves room for a slow spawn under load.
    expect(performance.now() - startedAt).toBeLessThan(1000);
    // The clock back where the first read started: no next read is due, so the polls below cannot start one, and the
    // count says only how many the five calls above started (a later read is legitimate, and raced the count).
    now = 0;
    await vi.waitFor(() => expect(read()).toBe(256), { timeout: 10_000 });
    expect(smi.calls()).toHaveLength(1);
  });

  // Each stand-in fails its first call and answers later ones, so a reader that asked again would read 64.
  const answersLater = (firstCall: string) => `if [ ! -e "$0.asked" ]; then touch "$0.asked"; ${firstCall}; fi\nprintf '7, 64\\n'`;

  /** Calls `read` a few times, an interval apart, after the first read had `settleMs` to finish. */
  async function readAgain(read: () => number | undefined, advance: () => void, settleMs: number): Promise<(number | undefined)[]> {
    await sleep(settleMs);
    const readings: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      advance();
      readings.push(read());
      await sleep(100);
    }
    return readings;
  }

  it('never asks again once nvidia-smi fails', async () => {
    const smi = fakeNvidiaSmi('failing', answersLater('exit 9'));
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command: smi.command });
    read();
    expect(await readAgain(read, () => (now += GPU_MEMORY_READ_INTERVAL_MS), 300)).toEqual([undefined, undefined, undefined]);
    expect(smi.calls()).toHaveLength(1);
  });

  it('never asks again once nvidia-smi outlasts its timeout', async () => {
    const smi = fakeNvidiaSmi('hanging', answersLater('exec sleep 10'));
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command: smi.command });
    read();
    expect(await readAgain(read, () => (now += GPU_MEMORY_READ_INTERVAL_MS), NVIDIA_SMI_TIMEOUT_MS + 300)).toEqual([undefined, undefined, undefined]);
    expect(smi.calls()).toHaveLength(1);
  });

  it('never asks again once nvidia-smi is missing, even if it appears later', async () => {
    const command = path.join(dir, 'installed-later');
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command });
    read();
    await sleep(300);
    const smi = fakeNvidiaSmi('installed-later', "printf '7, 64\\n'");
    expect(await readAgain(read, () => (now += GPU_MEMORY_READ_INTERVAL_MS), 0)).toEqual([undefined, undefined, undefined]);
    expect(smi.calls()).toHaveLength(0);
  });

  it('kills a read under way and starts none once its signal aborts', async () => {
    const smi = fakeNvidiaSmi('stopped', `echo $$ > '${path.join(dir, 'stopped.pid')}'\nexec sleep 10`);
    const stop = new AbortController();
    let now = 0;
    const read = gpuMemoryReader({ pid: 7, now: () => now, command: smi.command, signal: stop.signal });
    read();
    await vi.waitFor(() => expect(readFileSync(path.join(dir, 'stopped.pid'), 'utf8')).not.toBe(''), { timeout: 10_000 });
    const childPid = Number(readFileSync(path.join(dir, 'stopped.pid'), 'utf8'));
    stop.abort();
    await vi.waitFor(() => expect(() => process.kill(childPid, 0)).toThrow(), { timeout: 10_000 });
    now += GPU_MEMORY_READ_INTERVAL_MS;
    expect(read()).toBeUndefined();
    await sleep(100);
    expect(smi.calls()).toHaveLength(1);
  });
});
