// Progress of a dataset run for the UI and CLI: bytes read of the total and an ETA while reading (most of the
// work), then the copy into train/val; at most a few events a second, each carrying the running counts.
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { ProcessingCounts } from './document-processor.ts';

const READ_SHARE = 0.85;
const MIN_INTERVAL_MS = 250;
const MEGABYTE = 1024 * 1024;

export class IngestProgress {
  private readonly startedAt: number;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private bytesRead = 0;
  private bytesCopied = 0;
  private bytesToCopy = 0;

  constructor(
    private readonly report: (update: NodeProgress) => void,
    private readonly totalBytes: number,
    private readonly counts: ProcessingCounts,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  get readBytes(): number {
    return this.bytesRead;
  }

  read(bytes: number): void {
    this.bytesRead += bytes;
    this.maybeReport(`read ${formatMegabytes(this.bytesRead)} of ${formatMegabytes(this.totalBytes)}`);
  }

  startCopy(totalKeptBytes: number): void {
    this.bytesToCopy = totalKeptBytes;
    this.maybeReport('writing train and val', true);
  }

  copied(bytes: number): void {
    this.bytesCopied += bytes;
    this.maybeReport(`writing train and val: ${formatMegabytes(this.bytesCopied)} of ${formatMegabytes(this.bytesToCopy)}`);
  }

  private fraction(): number {
    const reading = this.totalBytes > 0 ? Math.min(1, this.bytesRead / this.totalBytes) : 1;
    const copying = this.bytesToCopy > 0 ? Math.min(1, this.bytesCopied / this.bytesToCopy) : 0;
    return READ_SHARE * reading + (1 - READ_SHARE) * copying;
  }

  private maybeReport(message: string, force = false): void {
    const now = this.now();
    if (!force && now - this.lastReportAt < MIN_INTERVAL_MS) return;
    this.lastReportAt = now;
    const elapsedMs = Math.max(1, now - this.startedAt);
    const fraction = this.fraction();
    const update: NodeProgress = {
      fraction,
      message: `${message} (${((this.bytesRead / MEGABYTE) / (elapsedMs / 1000)).toFixed(1)} MB/s)`,
      metrics: ingestMetrics(this.counts, this.bytesRead),
    };
    if (fraction > 0.01) update.etaMs = Math.round((elapsedMs / fraction) * (1 - fraction));
    this.report(update);
  }
}

export function ingestMetrics(counts: ProcessingCounts, bytesRead: number): Record<string, number> {
  return {
    bytesRead,
    documentsRead: counts.documentsRead,
    documentsKept: counts.kept,
    duplicatesRemoved: counts.exactDuplicates + counts.nearDuplicates,
    documentsFiltered: counts.empty + counts.tooShort + counts.tooLong,
  };
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / MEGABYTE).toFixed(1)} MB`;
}
