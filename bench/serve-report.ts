// The tables `npm run bench:serve` prints for the runtime comparison (serve-llama-cpp.ts): one per model and thread
// count, then one goals table over everything measured (issue 18's targets, each with whether this run met it).

import type { BandwidthResult } from './memory-bandwidth.ts';
import type { RuntimeBenchOptions, RuntimeRow, Spread } from './serve-llama-cpp.ts';

export interface RuntimeTable {
  model: string;
  threads: number;
  rows: RuntimeRow[];
  /** Streaming-read bandwidth at this thread count (memory-bandwidth.ts). */
  bandwidth: BandwidthResult;
}

const withRange = (spread: Spread, digits = 0) => `${spread.median.toFixed(digits)} (${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)})`;

/** One stream's share of the bandwidth limit: bytes it reads per second (one full read of its weights a token) ÷ GB/s. */
export function bandwidthShare(row: RuntimeRow, bandwidth: BandwidthResult): number {
  return (row.single.median * row.weightBytes) / (bandwidth.medianGBps * 1e9);
}

export function printRuntimeTable(table: RuntimeTable, options: RuntimeBenchOptions): void {
  const { bandwidth } = table;
  console.log(`\n### ${table.model}: Crucible beside llama.cpp, ${table.threads} thread${table.threads === 1 ? '' : 's'} (${options.tokens}-token requests, no HTTP; medians with the range of ${options.runs} interleaved rounds, ${options.parallelRuns} for TTFT and parallel)\n`);
  console.log(`| runtime | weights | weight MB | 1 stream decode tok/s | limit tok/s at ${bandwidth.medianGBps.toFixed(1)} GB/s | % of limit | TTFT ms, ${options.ttftPromptTokens}-token prompt | ${options.parallel} parallel tok/s | ${options.parallel} parallel × 1 stream |`);
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of table.rows) {
    const limit = (bandwidth.medianGBps * 1e9) / row.weightBytes;
    const cells = [
      row.runtime, row.weights, (row.weightBytes / 1e6).toFixed(2), withRange(row.single), limit.toFixed(0), `${(100 * bandwidthShare(row, bandwidth)).toFixed(0)}%`,
      withRange(row.ttftMs, 1), withRange(row.parallel), (row.parallel.median / row.single.median).toFixed(2),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

/** Issue 18's goals over every table: Crucible against llama.cpp at the same precision and threads. */
export function printGoalsTable(tables: readonly RuntimeTable[], options: RuntimeBenchOptions): void {
  console.log(`\n### Goals: Crucible ÷ llama.cpp at the same precision and thread count (met: 1 stream ≥ 1.0, ${options.parallel} parallel ≥ 3, own ${options.parallel} parallel ÷ own 1 stream ≥ 5, TTFT ≤ 1.0)\n`);
  console.log(`| model | threads | Crucible ↔ llama.cpp | 1 stream (worst–best round pairing) | ${options.parallel} parallel | Crucible ${options.parallel} parallel ÷ 1 stream | TTFT | Crucible 1 stream % of limit | goals met |`);
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---|');
  for (const table of tables) {
    for (const ours of table.rows.filter((row) => row.runtime === 'Crucible')) {
      const theirs = table.rows.find((row) => row.runtime === 'llama.cpp' && row.precision === ours.precision);
      if (!theirs) continue;
      const single = ours.single.median / theirs.single.median;
      const parallel = ours.parallel.median / theirs.parallel.median;
      const ownScaling = ours.parallel.median / ours.single.median;
      const ttft = ours.ttftMs.median / theirs.ttftMs.median;
      const met = [single >= 1 ? '1 stream' : '', parallel >= 3 ? 'parallel' : '', ownScaling >= 5 ? 'scaling' : '', ttft <= 1 ? 'TTFT' : ''].filter(Boolean);
      const cells = [
        table.model, table.threads, `${ours.weights} ↔ ${theirs.weights}`,
        `${single.toFixed(2)}× (${(ours.single.min / theirs.single.max).toFixed(2)}–${(ours.single.max / theirs.single.min).toFixed(2)})`,
        `${parallel.toFixed(2)}×`, `${ownScaling.toFixed(2)}×`, `${ttft.toFixed(2)}×`, `${(100 * bandwidthShare(ours, table.bandwidth)).toFixed(0)}%`,
        met.length === 4 ? 'all' : `${met.join(', ') || 'none'} (of 4)`,
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
  }
}
