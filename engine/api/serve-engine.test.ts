// serveEngine: a taken port refuses before any service is restored; on close, requests in flight get a grace, then
// their connections are cut so the engine can stop.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { Engine } from '../engine.ts';
import { serveEngine, type RunningEngine } from './serve-engine.ts';

const dataDirs: string[] = [];
const served: RunningEngine[] = [];
afterEach(async () => {
  // Closed here too, so a test that fails before its own close leaves no engine running (close runs once).
  await Promise.all(served.splice(0).map((running) => running.close()));
  for (const dir of dataDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openEngine(): Promise<Engine> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-serve-engine-'));
  dataDirs.push(dataDir);
  return Engine.open({ dataDir, runModules: new Map() });
}

/** A request whose body is promised but never sent: the server waits for it. Resolves when the server hangs up. */
function stalledRequest(port: number): { connected: Promise<void>; hungUp: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  const connected = new Promise<void>((resolve) =>
    socket.on('connect', () => {
      socket.write(`POST /api/session HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"co`);
      resolve();
    }),
  );
  const hungUp = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  return { connected, hungUp };
}

it('cuts a connection whose request never completes once the grace is over, and closes', async () => {
  const running = await serveEngine(await openEngine(), { port: 0, connectionGraceMs: 200 });
  served.push(running);
  const stalled = stalledRequest(running.port);
  await stalled.connected;
  await new Promise((resolve) => setTimeout(resolve, 50));

  const started = Date.now();
  await running.close();
  await stalled.hungUp;
  const elapsedMs = Date.now() - started;
  expect(elapsedMs).toBeGreaterThanOrEqual(150);
  expect(elapsedMs).toBeLessThan(5_000);
});

it('refuses a taken port before restoring any service, and records no address', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  const engine = await openEngine();
  const restore = vi.spyOn(engine, 'restoreServices');
  try {
    await expect(serveEngine(engine, { port, restoreServices: true })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(restore).not.toHaveBeenCalled();
    expect(fs.existsSync(path.join(engine.dataDir, 'engine-address.json'))).toBe(false);
  } finally {
    await engine.close();
    await new Promise((resolve) => holder.close(resolve));
  }
});
