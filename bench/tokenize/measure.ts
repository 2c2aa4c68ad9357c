// Shared measuring helpers for the tokenizer benchmarks: medians, and running a command as a child process with its
// wall time and peak RSS (GNU time when installed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { median } from '../median.ts';

export interface ProcessRun {
  wallSeconds: number;
  /** Undefined when GNU time (/usr/bin/time) is not installed. */
  peakRssMb: number | undefined;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

export function runMeasured(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ProcessRun {
  const gnuTime = existsSync(GNU_TIME);
  const startMs = performance.now();
  const result = gnuTime
    ? spawnSync(GNU_TIME, ['-f', 'peak-rss-kb %M', command, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 })
    : spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - startMs) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr ?? '').slice(-800)}`);
  const rssKb = /peak-rss-kb (\d+)/.exec(result.stderr ?? '')?.[1];
  return { wallSeconds, peakRssMb: rssKb === undefined ? undefined : Number(rssKb) / 1024, stdout: result.stdout };
}

/** Median wall time and median peak RSS over `runs` runs of the same command. */
export function medianOfRuns(runs: number, once: () => ProcessRun): { wallSeconds: number; peakRssMb: number | undefined; all: ProcessRun[] } {
  const all = Array.from({ length: runs }, once);
  const rss = all.map((run) => run.peakRssMb).filter((value): value is number => value !== undefined);
  return { wallSeconds: median(all.map((run) => run.wallSeconds)), peakRssMb: rss.length === all.length ? median(rss) : undefined, all };
}
