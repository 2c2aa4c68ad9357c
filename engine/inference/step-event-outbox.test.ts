// The outbox posts first tokens, finishes and errors at once, and gathers other tokens for at most its interval.
import { describe, expect, it } from 'vitest';
import { StepEventOutbox, type OutboxClock } from './step-event-outbox.ts';
import type { StepEvent } from './worker-protocol.ts';

/** A hand-driven clock: `advance` runs the timers that fall due. */
function manualClock() {
  let now = 0;
  let timers: { at: number; run: () => void }[] = [];
  const clock: OutboxClock = {
    now: () => now,
    later: (run, ms) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return () => {
        timers = timers.filter((other) => other !== timer);
      };
    },
  };
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((timer) => timer.at <= now);
    timers = timers.filter((timer) => timer.at > now);
    for (const timer of due) timer.run();
  };
  return { clock, advance, pending: () => timers.length };
}

const token = (requestId: number, tokenId: number): StepEvent => ({ type: 'token', requestId, tokenId });

describe('StepEventOutbox', () => {
  it('posts a first token at once, gathers the next ones for the interval, and posts a finish with them at once', () => {
    const posted: StepEvent[][] = [];
    const { clock, advance, pending } = manualClock();
    const outbox = new StepEventOutbox((events) => posted.push(events), { intervalMs: 2, clock });
    outbox.add([token(1, 10)]);
    expect(posted).toEqual([[token(1, 10)]]);
    advance(0.5);
    outbox.add([token(1, 11)]);
    advance(0.5);
    outbox.add([token(1, 12)]);
    expect(posted).toHaveLength(1);
    expect(pending()).toBe(1);
    advance(1); // 2 ms after the last post: the timer sends both
    expect(posted).toEqual([[token(1, 10)], [token(1, 11), token(1, 12)]]);
    advance(0.5);
    outbox.add([token(1, 13), { type: 'finish', requestId: 1, reason: 'length' }]);
    expect(posted.at(-1)).toEqual([token(1, 13), { type: 'finish', requestId: 1, reason: 'length' }]);
    expect(pending()).toBe(0);
  });

  it('posts every step when steps are slower than the interval', () => {
    const posted: StepEvent[][] = [];
    const { clock, advance } = manualClock();
    const outbox = new StepEventOutbox((events) => posted.push(events), { intervalMs: 2, clock });
    for (let step = 0; step < 5; step++) {
      outbox.add([token(7, step)]);
      advance(3);
    }
    expect(posted).toEqual([0, 1, 2, 3, 4].map((step) => [token(7, step)]));
  });

  it("does not hold back a joining request's first token behind another request's wait", () => {
    const posted: StepEvent[][] = [];
    const { clock, advance } = manualClock();
    const outbox = new StepEventOutbox((events) => posted.push(events), { intervalMs: 2, clock });
    outbox.add([token(1, 1)]);
    advance(0.3);
    outbox.add([token(1, 2)]);
    advance(0.3);
    outbox.add([token(1, 3), token(2, 9)]); // request 2 joins: its first token goes now, with request 1's waiting ones
    expect(posted).toEqual([[token(1, 1)], [token(1, 2), token(1, 3), token(2, 9)]]);
    outbox.add([{ type: 'error', requestId: 2, message: 'boom' }]);
    expect(posted.at(-1)).toEqual([{ type: 'error', requestId: 2, message: 'boom' }]);
  });

  it('forgets a cancelled request: it holds nothing for it, and a later token of that id counts as a first', () => {
    const posted: StepEvent[][] = [];
    const { clock } = manualClock();
    const outbox = new StepEventOutbox((events) => posted.push(events), { intervalMs: 2, clock });
    outbox.add([token(1, 10)]);
    outbox.forget(1);
    outbox.add([token(1, 11)]);
    expect(posted).toEqual([[token(1, 10)], [token(1, 11)]]);
  });
});
