// What the training process uses while a run trains, for the run's resource charts: its resident memory (RSS, every
// thread of the engine process, so the worker's tensors and ONNX Runtime's arenas count) and its CPU time over wall
// time since the last reading, as a percentage of all cores (100 = every core busy). Runs side by side in one engine
// share the process, so each sees their sum. GPU memory is read apart (gpu-memory.ts).

import { availableParallelism } from 'node:os';

export interface ProcessUsage {
  rssMiB: number;
  cpuPercent: number;
}

/** A reader that reports usage since its previous call (since its creation for the first). */
export function processUsageReader(now: () => number = performance.now.bind(performance)): () => ProcessUsage {
  let lastCpu = process.cpuUsage();
  let lastAt = now();
  const cores = Math.max(1, availableParallelism());
  return () => {
    const cpu = process.cpuUsage();
    const at = now();
    const usedMicros = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
    const wallMicros = Math.max(1, (at - lastAt) * 1000);
    lastCpu = cpu;
    lastAt = at;
    const cpuPercent = Math.min(100, (usedMicros / wallMicros / cores) * 100);
    return { rssMiB: process.memoryUsage.rss() / 2 ** 20, cpuPercent };
  };
}
