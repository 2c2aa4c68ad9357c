// Reading SSE with fetch: messages split across chunks, comments ignored, and a dropped stream reconnected with
// backoff, each reconnect starting again from the engine's snapshot.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, openReconnectingStream, type StreamStatus } from './reconnecting-stream.ts';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('returns complete messages only, across chunk boundaries, skipping ping comments', () => {
    const parser = new SseParser();
    expect(parser.push(': connected\n\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n\n: ping\n\ndata: 2\r\n\r\n')).toEqual(['{"a":1}', '2']);
  });

  it('joins multi-line data with newlines', () => {
    expect(new SseParser().push('data: one\ndata: two\n\n')).toEqual(['one\ntwo']);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the initial delay up to the cap', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 50].map((attempt) => backoffDelayMs(attempt, options))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

function sseResponse(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

describe('openReconnectingStream', () => {
  it('reconnects after a drop and after an error, resetting the backoff once messages flow', async () => {
    const responses: (() => Promise<Response>)[] = [
      async () => sseResponse(['data: {"type":"snapshot","n":1}\n\n', 'data: {"type":"x"}\n\n']),
      async () => {
        throw new TypeError('network down');
      },
      async () => new Response('nope', { status: 503 }),
      async () => sseResponse(['data: {"type":"snapshot","n":2}\n\n']),
    ];
    const messages: unknown[] = [];
    const statuses: string[] = [];
    const waits: number[] = [];
    let stop = () => undefined as void;
    await new Promise<void>((done) => {
      stop = openReconnectingStream({
        open: () => (responses.shift() ?? (() => new Promise<Response>(() => undefined)))(),
        onMessage: (message) => {
          messages.push(message);
          if ((message as { n?: number }).n === 2) done();
        },
        onStatus: (status: StreamStatus, detail) => statuses.push(detail ? `${status}: ${detail}` : status),
        backoff: { initialDelayMs: 10, maxDelayMs: 1000 },
        wait: async (ms) => void waits.push(ms),
      });
    });
    stop();
    expect(messages).toEqual([{ type: 'snapshot', n: 1 }, { type: 'x' }, { type: 'snapshot', n: 2 }]);
    expect(waits).toEqual([10, 20, 40]);
    expect(statuses).toContain('reconnecting: network down');
    expect(statuses).toContain('reconnecting: the engine answered 503');
    expect(statuses.at(-1)).toBe('live');
  });
});
