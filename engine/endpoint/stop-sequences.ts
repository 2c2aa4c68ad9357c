// Watches generated text for stop strings. Text that could still become a stop string is held back, so a stream
// never shows the client part of a stop sequence, and the stop string itself is never returned (as OpenAI does).

export interface StopCheck {
  /** Text now safe to show. */
  released: string;
  /** A stop string matched; nothing after it may be shown and generation should end. */
  stopped: boolean;
}

export class StopSequenceWatcher {
  readonly #stops: string[];
  #held = '';
  #stopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
  }

  push(text: string): StopCheck {
    if (this.#stopped) return { released: '', stopped: true };
    const pending = this.#held + text;
    const matchAt = this.#earliestMatch(pending);
    if (matchAt >= 0) {
      this.#stopped = true;
      this.#held = '';
      return { released: pending.slice(0, matchAt), stopped: true };
    }
    const holdLength = this.#longestStopPrefixAtEnd(pending);
    this.#held = pending.slice(pending.length - holdLength);
    return { released: pending.slice(0, pending.length - holdLength), stopped: false };
  }

  /** At the end of generation: whatever was held back, since no stop string completed. */
  flush(): string {
    const rest = this.#held;
    this.#held = '';
    return rest;
  }

  #earliestMatch(text: string): number {
    let earliest = -1;
    for (const stop of this.#stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Length of the longest end of `text` that begins some stop string (shorter than that stop string). */
  #longestStopPrefixAtEnd(text: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
