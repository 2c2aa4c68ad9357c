// Progress of a tokenizer run over its phases (training, then encoding train and val), weighted by the bytes each
// phase reads: one fraction, an ETA and the bytes/tokens counters, sent at most a few times a second.
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { TokenizerJobProgress } from '../capabilities/tokenizer.ts';

export interface ProgressPhase {
  name: string;
  bytes: number;
}

const REPORT_INTERVAL_MS = 250;
/** Below this share of the work an ETA is mostly noise. */
const MIN_FRACTION_FOR_ETA = 0.02;

export class TokenizerProgress {
  private readonly totalBytes: number;
  private readonly startedMs = performance.now();
  private finishedBytes = 0;
  private lastReportMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly phases: readonly ProgressPhase[],
    private readonly report: (update: NodeProgress) => void,
  ) {
    this.totalBytes = Math.max(1, phases.reduce((sum, phase) => sum + phase.bytes, 0));
  }

  /** Hooks' onProgress for the named phase; the first and the last update of a phase are always sent. */
  phase(name: string): (update: TokenizerJobProgress) => void {
    const phase = this.phases.find((candidate) => candidate.name === name);
    if (!phase) throw new Error(`tokenizer progress: unknown phase "${name}"`);
    this.send(phase.name, 0, undefined, true);
    return (update) => this.send(update.stage ? `${phase.name}, ${update.stage}` : phase.name, update.bytesRead, update.tokens, update.bytesRead >= update.bytesTotal || update.stage !== undefined);
  }

  /** Marks a phase done, so later phases start from its end. */
  finish(name: string): void {
    this.finishedBytes += this.phases.find((phase) => phase.name === name)?.bytes ?? 0;
  }

  private send(name: string, bytesRead: number, tokens: number | undefined, force: boolean): void {
    const nowMs = performance.now();
    if (!force && nowMs - this.lastReportMs < REPORT_INTERVAL_MS) return;
    this.lastReportMs = nowMs;
    const fraction = Math.min(1, (this.finishedBytes + bytesRead) / this.totalBytes);
    const elapsedMs = nowMs - this.startedMs;
    const metrics: Record<string, number> = { bytesRead };
    if (tokens !== undefined) metrics['tokens'] = tokens;
    this.report({
      fraction,
      message: `${name}: ${(bytesRead / 1e6).toFixed(1)} MB read${tokens === undefined ? '' : `, ${tokens} tokens`}`,
      metrics,
      ...(fraction >= MIN_FRACTION_FOR_ETA && fraction < 1 ? { etaMs: Math.round((elapsedMs * (1 - fraction)) / fraction) } : {}),
    });
  }
}
