// The SSE writer against a reader slower than it: every record arrives in order, the writer waits instead of
// buffering, and each wait leaves no listener behind on the response (racing two `once` promises used to leave the
// loser's `close` and `error` listeners, one pair per wait, until the connection closed).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SseWriter } from './sse-writer.ts';

const servers: http.Server[] = [];
afterAll(() => servers.forEach((server) => server.close()));

describe('SseWriter', () => {
  it('waits for a slow reader without piling up listeners, and delivers every record', async () => {
    const RECORDS = 60;
    const record = 'x'.repeat(64 * 1024);
    let waits = 0;
    const listeners: number[] = [];
    const server = http.createServer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const sse = new SseWriter(response, 60_000);
      response.on('drain', () => (waits += 1)); // each wait ends with a drain
      for (let index = 0; index < RECORDS; index++) {
        await sse.data({ index, record });
        listeners.push(response.listenerCount('close') + response.listenerCount('error') + response.listenerCount('drain'));
      }
      sse.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const received = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/' }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        // A slow reader: a pause after every chunk, so the server's writes fill the socket and wait.
        response.on('data', (chunk: string) => {
          body += chunk;
          response.pause();
          setTimeout(() => response.resume(), 2);
        });
        response.on('end', () => resolve(body));
        response.on('error', reject);
      });
    });
    const indices = received.split('\n\n').filter((line) => line.startsWith('data: ')).map((line) => (JSON.parse(line.slice(6)) as { index: number }).index);
    expect(indices).toEqual(Array.from({ length: RECORDS }, (_, index) => index));
    expect(waits).toBeGreaterThan(5);
    // As many listeners after the last wait as after the first: none added per wait.
    expect(Math.max(...listeners)).toBe(listeners[0]);
  });
});
