// One holder at a time per key, in arrival order: the node runner holds a service node's key while it keeps, replaces
// or starts that node's service, so two runs of one pipeline never both start it.

export class KeyedLock {
  /** Per key, the promise that settles when its last holder so far lets go. */
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Waits for the holders before this one, then holds `key` until the returned function is called. Resolves to
   * undefined if `signal` aborts first: this caller's turn then passes at once, so those behind it are not held up.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<(() => void) | undefined> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const tail = before.then(() => held);
    this.#tails.set(key, tail);
    const release = () => {
      letGo();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    if (await untilTurnOrAbort(before, signal)) return release;
    void before.then(release);
    return undefined;
  }

  /** Whether someone holds or waits for `key`. */
  isHeld(key: string): boolean {
    return this.#tails.has(key);
  }
}

/** True once `turn` settles, false if `signal` aborts first. */
function untilTurnOrAbort(turn: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) return turn.then(() => true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}
