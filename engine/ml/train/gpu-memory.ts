// GPU memory a training process holds, for the run's resource charts when it trains on CUDA: nvidia-smi's
// per-process list (`--query-compute-apps`), this process's rows summed. Read at most every few seconds (each read
// starts nvidia-smi); a machine without nvidia-smi is asked once and never again.

import { spawnSync } from 'node:child_process';

export const GPU_MEMORY_READ_INTERVAL_MS = 5000;

/** MiB that `pid` holds across GPUs in nvidia-smi's `pid, used_memory` CSV (noheader, nounits); undefined when not listed. */
export function gpuMemoryOfProcess(csv: string, pid: number): number | undefined {
  let total: number | undefined;
  for (const line of csv.split('\n')) {
    const [rowPid, usedMiB] = line.split(',').map((cell) => Number(cell.trim()));
    if (rowPid === pid && Number.isFinite(usedMiB)) total = (total ?? 0) + usedMiB!;
  }
  return total;
}

export type CommandRunner = (command: string, args: string[]) => { ok: boolean; stdout: string };

const runNvidiaSmi: CommandRunner = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 2000 });
  return { ok: result.status === 0, stdout: result.stdout ?? '' };
};

/** A reader of this process's GPU memory in MiB; its value is kept between reads. */
export function gpuMemoryReader(options: { pid?: number; now?: () => number; run?: CommandRunner } = {}): () => number | undefined {
  const { pid = process.pid, now = Date.now, run = runNvidiaSmi } = options;
  let available = true;
  let lastAt = -Infinity;
  let last: number | undefined;
  return () => {
    if (!available || now() - lastAt < GPU_MEMORY_READ_INTERVAL_MS) return last;
    lastAt = now();
    const result = run('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']);
    if (!result.ok) {
      available = false;
      return (last = undefined);
    }
    return (last = gpuMemoryOfProcess(result.stdout, pid));
  };
}
