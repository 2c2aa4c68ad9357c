// serveEngine: a taken port, or a data directory another live engine serves, refuses before any service is restored;
// on close, requests in flight get a grace, then their connections are cut so the engine can stop.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../engine.ts';
import { ServiceRestoreStore } from '../store/service-restore-store.ts';
import { ENGINE_ADDRESS_FILE, readEngineAddress } from './engine-address-file.ts';
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

describe('a data directory another engine serves', () => {
  const refusal = (pid: number, dataDir: string, url: string) =>
    `a Crucible engine (pid ${pid}) already serves the data directory ${dataDir} at ${url}; use that one, stop it first, or start this one with another data directory`;

  it("refuses a second engine of this process, leaving the first one's services wanted and its address in place", async () => {
    const first = await serveEngine(await openEngine(), { port: 0 });
    served.push(first);
    const { dataDir } = first.engine;
    // A service the first engine started after it came up: the second must not list it as stopped.
    const store = ServiceRestoreStore.open({ dataDir });
    try {
      store.recordStarted({ serviceId: 'svc-live', runId: 'r1', node: 'api', kind: 'api-endpoint', name: 'tiny', recipe: {} });
      const address = readEngineAddress(dataDir)!;
      const second = await Engine.open({ dataDir, runModules: new Map() });
      const restore = vi.spyOn(second, 'restoreServices');
      try {
        await expect(serveEngine(second, { port: 0 })).rejects.toMatchObject({ code: 'ENGINE_ALREADY_SERVING', message: refusal(process.pid, dataDir, first.url) });
        expect(restore).not.toHaveBeenCalled();
      } finally {
        await second.close();
      }
      expect(store.wanted().map((saved) => saved.serviceId)).toEqual(['svc-live']);
      expect(readEngineAddress(dataDir)).toEqual(address);
    } finally {
      store.close();
    }
  });

  it("refuses while another live process's engine serves it", async () => {
    const engine = await openEngine();
    // The parent process (the test runner) stands in for the other engine: alive, and not this process.
    const other = { url: 'http://127.0.0.1:9', pid: process.ppid, token: 'x'.repeat(32), startedAt: new Date().toISOString() };
    fs.writeFileSync(path.join(engine.dataDir, ENGINE_ADDRESS_FILE), JSON.stringify(other));
    try {
      await expect(serveEngine(engine, { port: 0 })).rejects.toThrow(refusal(process.ppid, engine.dataDir, other.url));
      expect(readEngineAddress(engine.dataDir)).toEqual(other);
    } finally {
      await engine.close();
    }
  });

  it('starts over an address an engine of this process left behind, and once the first engine has closed', async () => {
    const engine = await openEngine();
    const stale = { url: 'http://127.0.0.1:9', pid: process.pid, token: 'x'.repeat(32), startedAt: new Date().toISOString() };
    fs.writeFileSync(path.join(engine.dataDir, ENGINE_ADDRESS_FILE), JSON.stringify(stale));
    const first = await serveEngine(engine, { port: 0 });
    served.push(first);
    expect(readEngineAddress(engine.dataDir)?.url).toBe(first.url);
    await first.close();
    const next = await serveEngine(await Engine.open({ dataDir: engine.dataDir, runModules: new Map() }), { port: 0 });
    served.push(next);
    expect(readEngineAddress(engine.dataDir)?.url).toBe(next.url);
  });
});
