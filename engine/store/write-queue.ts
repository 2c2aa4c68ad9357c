// Batches writes: items queue up and are handed over together every few milliseconds or once enough pile up,
// so hundreds of training events per second cost one database transaction each interval instead of one each.

export interface WriteQueueOptions<Item> {
  /** Writes a batch, in arrival order. Runs synchronously. */
  writeBatch(items: Item[]): void;
  /** Longest an item waits in the queue before a timed flush. */
  flushIntervalMs: number;
  /** Queue length that triggers an immediate flush. */
  maxBatchSize: number;
  /** Failures of timed and size-triggered flushes, which have no caller to throw to. */
  onError(error: unknown): void;
}

export class WriteQueue<Item> {
  private queued: Item[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WriteQueueOptions<Item>) {}

  get pendingCount(): number {
    return this.queued.length;
  }

  push(item: Item): void {
    this.queued.push(item);
    if (this.queued.length >= this.options.maxBatchSize) {
      this.flushReportingErrors();
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flushReportingErrors(), this.options.flushIntervalMs);
      // A pending flush must not keep the process alive; close() flushes what is left.
      this.timer.unref();
    }
  }

  /**
   * Writes everything queued now. A failed batch is dropped, not retried, so a broken disk cannot grow memory
   * without bound; the error is thrown to the caller.
   */
  flush(): void {
    this.cancelTimer();
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.options.writeBatch(batch);
  }

  /** Stops the timer without writing; the owner flushes first if it wants the queued items. */
  cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private flushReportingErrors(): void {
    try {
      this.flush();
    } catch (error) {
      this.options.onError(error);
    }
  }
}
