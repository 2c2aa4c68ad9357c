// Waits for a node's run, but once its signal aborts gives it only a grace period to stop:
// a node that ignores cancellation must not hold the whole run open.

export type Settled<T> = { kind: 'fulfilled'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'abandoned' };

export function settleWithGrace<T>(work: Promise<T>, signal: AbortSignal, graceMs: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const startGrace = (): void => {
      timer = setTimeout(() => finish({ kind: 'abandoned' }), graceMs);
    };
    const finish = (outcome: Settled<T>): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', startGrace);
      resolve(outcome);
    };
    work.then(
      (value) => finish({ kind: 'fulfilled', value }),
      (error: unknown) => finish({ kind: 'rejected', error }),
    );
    if (signal.aborted) startGrace();
    else signal.addEventListener('abort', startGrace, { once: true });
  });
}
