// The worker's side of "several tokens per message": decode steps' events are gathered and posted to the main thread
// at most once per interval, so a fast model (a step well under a millisecond) does not pay a message, a wake-up of
// the main thread and an SSE write per token. Nothing waits that a client would notice: a request's first token,
// every finish and every error go out at once (time to first token and freed batch slots are never delayed), other
// tokens wait at most `intervalMs`, and a step slower than the interval posts every time, exactly as before.

import type { StepEvent } from './worker-protocol.ts';

/** Tokens after a request's first wait at most this long for company. */
export const STEP_EVENT_INTERVAL_MS = 2;

export interface OutboxClock {
  now(): number;
  /** Calls `run` after `ms`; returns a cancel function. */
  later(run: () => void, ms: number): () => void;
}

const realClock: OutboxClock = {
  now: () => performance.now(),
  later: (run, ms) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

export class StepEventOutbox {
  readonly #post: (events: StepEvent[]) => void;
  readonly #intervalMs: number;
  readonly #clock: OutboxClock;
  #waiting: StepEvent[] = [];
  /** Requests that have had a token posted: a token of any other request is its first. */
  readonly #started = new Set<number>();
  #lastPostMs = -Infinity;
  #cancelTimer: (() => void) | null = null;

  constructor(post: (events: StepEvent[]) => void, options: { intervalMs?: number; clock?: OutboxClock } = {}) {
    this.#post = post;
    this.#intervalMs = options.intervalMs ?? STEP_EVENT_INTERVAL_MS;
    this.#clock = options.clock ?? realClock;
  }

  /** One step's events (a prefill's or a decode step's). */
  add(events: readonly StepEvent[]): void {
    let urgent = false;
    for (const event of events) {
      this.#waiting.push(event);
      if (event.type !== 'token') {
        urgent = true;
        this.#started.delete(event.requestId);
      } else if (!this.#started.has(event.requestId)) {
        urgent = true;
        this.#started.add(event.requestId);
      }
    }
    if (this.#waiting.length === 0) return;
    const sinceLastMs = this.#clock.now() - this.#lastPostMs;
    if (urgent || sinceLastMs >= this.#intervalMs) this.flush();
    else this.#cancelTimer ??= this.#clock.later(() => this.flush(), this.#intervalMs - sinceLastMs);
  }

  /** A cancelled request leaves the decode loop without a finish or an error: it is no longer counted as started. */
  forget(requestId: number): void {
    this.#started.delete(requestId);
  }

  /** Posts whatever waits, in the order it was added. */
  flush(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (this.#waiting.length === 0) return;
    const events = this.#waiting;
    this.#waiting = [];
    this.#lastPostMs = this.#clock.now();
    this.#post(events);
  }
}
