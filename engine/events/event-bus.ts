// Typed publish/subscribe for run events and engine events. Emitting never fails: a listener that throws is
// reported through onListenerError and the other listeners still receive the event.
import type { EngineEvent, RunEvent } from '../../app/protocol/run-events.ts';

export type BusEvent = RunEvent | EngineEvent;
export type BusEventType = BusEvent['type'];
export type BusEventOf<T extends BusEventType> = Extract<BusEvent, { type: T }>;
export type Unsubscribe = () => void;

export interface EventBusOptions {
  /** Told about listener exceptions; by default they are written to stderr. */
  onListenerError?: (error: unknown, event: BusEvent) => void;
}

export class EventBus {
  readonly #listeners = new Set<(event: BusEvent) => void>();
  readonly #onListenerError: (error: unknown, event: BusEvent) => void;

  constructor(options: EventBusOptions = {}) {
    this.#onListenerError = options.onListenerError ?? ((error, event) => console.error(`event listener failed on "${event.type}":`, error));
  }

  subscribe(listener: (event: BusEvent) => void): Unsubscribe {
    // Wrapped so the same function can subscribe twice and unsubscribe each time independently.
    const entry = (event: BusEvent): void => listener(event);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  /** Only events of one type, typed accordingly. */
  on<T extends BusEventType>(type: T, listener: (event: BusEventOf<T>) => void): Unsubscribe {
    return this.subscribe((event) => {
      if (event.type === type) listener(event as BusEventOf<T>);
    });
  }

  /** Only the events of one run. */
  onRun(runId: string, listener: (event: RunEvent) => void): Unsubscribe {
    return this.subscribe((event) => {
      if ('runId' in event && event.runId === runId) listener(event);
    });
  }

  emit(event: BusEvent): void {
    // A copy, so listeners may unsubscribe (or subscribe) while being called.
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#reportListenerError(error, event);
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  #reportListenerError(error: unknown, event: BusEvent): void {
    try {
      this.#onListenerError(error, event);
    } catch {
      // The error reporter itself failed; there is nowhere left to report to.
    }
  }
}
