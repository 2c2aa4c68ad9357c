// A Server-Sent Events stream over a raw HTTP response: JSON messages, `: ping` keep-alives, and a bound on what a
// slow client may leave buffered (past it the stream closes; the client reconnects and gets a fresh snapshot).
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  pingIntervalMs?: number;
  maxBufferedBytes?: number;
}

export class SseStream {
  readonly #response: ServerResponse;
  readonly #ping: NodeJS.Timeout;
  readonly #maxBufferedBytes: number;
  #closed = false;
  #onClose: (() => void)[] = [];

  constructor(response: ServerResponse, headers: Record<string, string>, options: SseOptions = {}) {
    this.#response = response;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    this.#ping = setInterval(() => this.#write(': ping\n\n'), options.pingIntervalMs ?? 15_000);
    this.#ping.unref();
    response.on('close', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: unknown): void {
    this.#write(`data: ${JSON.stringify(message)}\n\n`);
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ping);
    if (!this.#response.writableEnded) this.#response.end();
    for (const listener of this.#onClose.splice(0)) listener();
  }

  #write(chunk: string): void {
    if (this.#closed) return;
    this.#response.write(chunk);
    if (this.#response.writableLength > this.#maxBufferedBytes) this.close();
  }
}
