// Server-sent events over a raw HTTP response, as OpenAI streams: `data: <json>` records, `: ping` comments when
// idle, and backpressure (a slow reader pauses the writer instead of growing memory). Records written in the same
// turn of the event loop (the tokens of one worker message, step-event-outbox.ts) leave in one socket write: the
// first corks the response and the end of the turn uncorks it.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Takes the response over from Fastify and sends a 200 event stream's headers (the reply's own, e.g. rate limits, kept). */
export function startEventStream(reply: FastifyReply, extraHeaders: OutgoingHttpHeaders = {}): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...extraHeaders,
  });
}

export class SseWriter {
  readonly #response: ServerResponse;
  readonly #pingTimer: NodeJS.Timeout;
  #wroteSinceLastPing = false;
  #corked = false;

  constructor(response: ServerResponse, pingIntervalMs: number) {
    this.#response = response;
    this.#pingTimer = setInterval(() => this.#pingIfIdle(), pingIntervalMs).unref();
  }

  get open(): boolean {
    return !this.#response.destroyed && !this.#response.writableEnded;
  }

  /** Writes one `data:` record; resolves false if the client is gone. */
  async data(payload: unknown): Promise<boolean> {
    return this.#write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  end(): void {
    clearInterval(this.#pingTimer);
    this.#uncork();
    if (this.open) this.#response.end();
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#response.uncork();
  }

  async #write(text: string): Promise<boolean> {
    if (!this.open) return false;
    this.#wroteSinceLastPing = true;
    if (!this.#corked) {
      this.#corked = true;
      this.#response.cork();
      setImmediate(() => this.#uncork());
    }
    if (this.#response.write(text)) return true;
    await drainedOrClosed(this.#response);
    return this.open;
  }

  #pingIfIdle(): void {
    if (!this.#wroteSinceLastPing && this.open) this.#response.write(': ping\n\n');
    this.#wroteSinceLastPing = false;
  }
}

/**
 * Resolves when a response whose write returned false can take more (`drain`) or is gone (`close`). Both listeners go
 * once either fires: racing two `events.once` promises left the loser's `close` and `error` listeners behind, one pair
 * per wait, until the connection closed.
 */
export function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
