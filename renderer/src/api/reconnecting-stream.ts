// Keeps an SSE stream open: reads it with fetch, and after a drop reconnects with exponential backoff. Every stream
// starts with a snapshot, so the caller is up to date again as soon as it reconnects.
import { SseParser } from './sse-parser.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 10_000 };

/** Delay before reconnect attempt number `attempt` (0-based): doubling, capped. */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
}

export interface StreamOptions {
  open: (signal: AbortSignal) => Promise<Response>;
  onMessage: (message: unknown) => void;
  onStatus: (status: StreamStatus, detail?: string) => void;
  backoff?: BackoffOptions;
  /** Injected in tests. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Starts the stream; call the returned function to stop it for good. */
export function openReconnectingStream(options: StreamOptions): () => void {
  const controller = new AbortController();
  const wait = options.wait ?? waitMs;
  void (async () => {
    let attempt = 0;
    options.onStatus('connecting');
    while (!controller.signal.aborted) {
      let problem = 'the stream ended';
      try {
        const response = await options.open(controller.signal);
        if (!response.ok || !response.body) throw new Error(`the engine answered ${response.status}`);
        await readMessages(response.body, controller.signal, (message) => {
          attempt = 0;
          options.onStatus('live');
          options.onMessage(message);
        });
      } catch (error) {
        if (controller.signal.aborted) break;
        problem = error instanceof Error ? error.message : String(error);
      }
      if (controller.signal.aborted) break;
      options.onStatus('reconnecting', problem);
      await wait(backoffDelayMs(attempt++, options.backoff), controller.signal).catch(() => undefined);
    }
    options.onStatus('closed');
  })();
  return () => controller.abort();
}

async function readMessages(body: ReadableStream<Uint8Array>, signal: AbortSignal, onMessage: (message: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const data of parser.push(decoder.decode(value, { stream: true }))) {
        let message: unknown;
        try {
          message = JSON.parse(data);
        } catch {
          continue; // a malformed message is dropped, not fatal: the next snapshot corrects any gap
        }
        onMessage(message);
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function waitMs(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    }, { once: true });
  });
}
