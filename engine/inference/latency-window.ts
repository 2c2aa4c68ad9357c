// The latencies of the last few seconds (time to first token, for the autoscaler) and their median. The clock is
// injected so tests move it.
import { performance } from 'node:perf_hooks';

export class LatencyWindow {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #samples: { atMs: number; latencyMs: number }[] = [];

  constructor(options: { windowMs?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? 5_000;
    this.#now = options.now ?? (() => performance.now());
  }

  add(latencyMs: number): void {
    this.#samples.push({ atMs: this.#now(), latencyMs });
    this.#forgetOld();
  }

  /** Median of the latencies seen within the window; null when there were none. */
  median(): number | null {
    this.#forgetOld();
    if (this.#samples.length === 0) return null;
    const sorted = this.#samples.map((sample) => sample.latencyMs).sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }

  #forgetOld(): void {
    const oldest = this.#now() - this.#windowMs;
    let stale = 0;
    while (stale < this.#samples.length && this.#samples[stale]!.atMs < oldest) stale++;
    this.#samples.splice(0, stale);
  }
}
