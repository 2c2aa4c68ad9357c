// Streaming-read memory bandwidth of this machine: the physical limit a decoder reading all of its weights once per
// token runs against. Each thread compares two equal buffers far larger than the last-level cache (memcmp, which
// the C library vectorises, reads both), so every byte comes from DRAM; GB/s is bytes read over the wall time of a
// pass, all threads together, median of several passes after a warm-up one.
//
// `node --import tsx bench/memory-bandwidth.ts [--mib N] [--runs N] [--threads N,M]` prints the table;
// bench/serve.ts imports `measureReadBandwidth` for its "% of the physical limit" column.

import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { median } from './median.ts';

export interface BandwidthResult {
  threads: number;
  /** Bytes each thread reads per pass. */
  bytesPerThread: number;
  medianGBps: number;
  minGBps: number;
  maxGBps: number;
}

// Plain JavaScript (evaluated in a worker, no TypeScript loader needed): two equal buffers, then on each "go" one
// pass of Buffer.compare over them, reporting when done. The buffers are filled so every page is really mapped.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const a = Buffer.alloc(workerData.bytes, 7);
const b = Buffer.alloc(workerData.bytes, 7);
parentPort.on('message', () => {
  const equal = Buffer.compare(a, b) === 0;
  parentPort.postMessage(equal ? 'done' : 'differ');
});
parentPort.postMessage('ready');
`;

/** `threads` workers each read 2 × `bytesPerBuffer` per pass, started together; GB/s of all of them per pass. */
export async function measureReadBandwidth(options: { threads: number; bytesPerBuffer: number; runs: number }): Promise<BandwidthResult> {
  const { threads, bytesPerBuffer, runs } = options;
  if (!(threads >= 1) || !(runs >= 1) || !(bytesPerBuffer >= 1 << 20)) throw new Error(`memory bandwidth: need threads ≥ 1, runs ≥ 1 and buffers of at least 1 MiB, got ${threads}, ${runs}, ${bytesPerBuffer} bytes`);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: bytesPerBuffer } }));
  const next = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      worker.once('error', fail);
      worker.once('message', (message) => {
        worker.off('error', fail);
        if (message === 'differ') reject(new Error('memory bandwidth: equal buffers compared unequal'));
        else resolve();
      });
    });
  try {
    await Promise.all(workers.map(next));
    const pass = async () => {
      const started = performance.now();
      await Promise.all(workers.map((worker) => {
        const finished = next(worker);
        worker.postMessage('go');
        return finished;
      }));
      return (threads * 2 * bytesPerBuffer) / ((performance.now() - started) / 1000) / 1e9;
    };
    await pass(); // warm-up: first touches, page-table walks
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) rates.push(await pass());
    return { threads, bytesPerThread: 2 * bytesPerBuffer, medianGBps: median(rates), minGBps: Math.min(...rates), maxGBps: Math.max(...rates) };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

export function printBandwidthTable(results: readonly BandwidthResult[]): void {
  console.log('\n### Memory bandwidth: streaming read (memcmp of two equal buffers), median GB/s with the range of the passes\n');
  console.log('| threads | bytes read per thread per pass | GB/s (median) | min–max |');
  console.log('|---:|---:|---:|---|');
  for (const result of results) {
    console.log(`| ${result.threads} | ${(result.bytesPerThread / 2 ** 20).toFixed(0)} MiB | ${result.medianGBps.toFixed(2)} | ${result.minGBps.toFixed(2)}–${result.maxGBps.toFixed(2)} |`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { mib: { type: 'string' }, runs: { type: 'string' }, threads: { type: 'string' } } });
  const mib = Number(values.mib ?? 256);
  const runs = Number(values.runs ?? 9);
  const threadCounts = (values.threads ?? '1,2').split(',').map(Number);
  const results: BandwidthResult[] = [];
  for (const threads of threadCounts) results.push(await measureReadBandwidth({ threads, bytesPerBuffer: mib * 2 ** 20, runs }));
  printBandwidthTable(results);
}
