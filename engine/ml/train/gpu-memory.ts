// GPU memory a training process holds, for the run's resource charts when it trains on CUDA: nvidia-smi's
// per-process list (`--query-compute-apps`), this process's rows summed. Read at most every few seconds (each read
// starts nvidia-smi); a machine without nvidia-smi is asked once and never again.

import { execFile } from 'node:child_process';

export const GPU_MEMORY_READ_INTERVAL_MS = 5000;
export const NVIDIA_SMI_TIMEOUT_MS = 2000;
const NVIDIA_SMI_ARGS = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'];

/** MiB that `pid` holds across GPUs in nvidia-smi's `pid, used_memory` CSV (noheader, nounits); undefined when not listed. */
export function gpuMemoryOfProcess(csv: string, pid: number): number | undefined {
  let total: number | undefined;
  for (const line of csv.split('\n')) {
    const [rowPid, usedMiB] = line.split(',').map((cell) => Number(cell.trim()));
    if (rowPid === pid && Number.isFinite(usedMiB)) total = (total ?? 0) + usedMiB!;
  }
  return total;
}

/** nvidia-smi's per-process CSV, or null when it is missing, fails, outlasts its timeout or `signal` aborts it. */
function queryComputeApps(command: string, signal: AbortSignal | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { encoding: 'utf8', timeout: NVIDIA_SMI_TIMEOUT_MS, signal }, (error, stdout) => resolve(error ? null : stdout));
  });
}

export interface GpuMemoryReaderOptions {
  pid?: number;
  now?: () => number;
  /** The nvidia-smi to run: a name looked up on PATH, or a path. */
  command?: string;
  /** Ends the reads: a read under way is killed and none starts after (abort it when training ends). */
  signal?: AbortSignal;
}

/**
 * A reader of this process's GPU memory in MiB. It never waits: a due read starts nvidia-smi in the background (one
 * at a time) and returns the last reading; the new one is returned once it arrives. The training loop calls it each
 * step, and a blocking nvidia-smi (up to its timeout) would stall the step that happened to ask.
 */
export function gpuMemoryReader(options: GpuMemoryReaderOptions = {}): () => number | undefined {
  const { pid = process.pid, now = Date.now, command = 'nvidia-smi', signal } = options;
  let available = true;
  let inFlight = false;
  let lastAt = -Infinity;
  let last: number | undefined;
  return () => {
    if (!available || inFlight || signal?.aborted || now() - lastAt < GPU_MEMORY_READ_INTERVAL_MS) return last;
    lastAt = now();
    inFlight = true;
    void queryComputeApps(command, signal).then((csv) => {
      inFlight = false;
      if (csv === null) {
        available = false;
        last = undefined;
      } else {
        last = gpuMemoryOfProcess(csv, pid);
      }
    });
    return last;
  };
}
