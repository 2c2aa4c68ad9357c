// The engine supervisor against real processes: the real engine (spawn, health, crash → restart, graceful stop), a
// stand-in that ignores SIGTERM (kill after timeout) and one that exits at once (giving up after repeated crashes).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../app/protocol/desktop-ipc.ts';
import { ROUTES, TOKEN_HEADER } from '../../app/protocol/engine-api.ts';
import { EngineSupervisor } from './engine-supervisor.ts';
import { RotatingLog } from './rotating-log.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const tempRoot = mkdtempSync(path.join(tmpdir(), 'crucible-supervisor-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

function tsxLaunch(script: string) {
  return { command: process.execPath, args: ['--import', 'tsx', path.join(REPO_ROOT, script)], cwd: REPO_ROOT };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function waitForStatus(statuses: EngineStatus[], predicate: (status: EngineStatus) => boolean, timeoutMs = 30_000): Promise<EngineStatus> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = statuses.find(predicate);
      if (found) resolve(found);
      else if (Date.now() > deadline) reject(new Error(`status not reached; saw ${JSON.stringify(statuses)}`));
      else setTimeout(check, 50);
    };
    check();
  });
}

async function health(url: string, token?: string): Promise<number> {
  const response = await fetch(`${url}${ROUTES.health}`, { headers: token ? { [TOKEN_HEADER]: token } : {} });
  return response.status;
}

describe('EngineSupervisor with the real engine', () => {
  const statuses: EngineStatus[] = [];
  const dataDir = path.join(tempRoot, 'data');
  const log = new RotatingLog({ file: path.join(tempRoot, 'logs', 'engine.log') });
  const supervisor = new EngineSupervisor({
    launch: tsxLaunch('engine/api/main.ts'),
    log,
    dataDir,
    allowedOrigins: ['http://127.0.0.1:1'],
    restartDelaysMs: [50],
    onStatus: (status) => statuses.push(status),
  });
  afterAll(() => supervisor.stop());

  it('spawns the engine on a loopback port with its token and data dir, and is ready only once healthy', async () => {
    const connection = await supervisor.start();
    expect(new URL(connection.url).hostname).toBe('127.0.0.1');
    expect(connection.token.length).toBeGreaterThanOrEqual(40);
    expect(await health(connection.url, connection.token)).toBe(200);
    expect(await health(connection.url)).toBe(401);
    const body = await (await fetch(`${connection.url}${ROUTES.health}`, { headers: { [TOKEN_HEADER]: connection.token } })).json();
    expect(body.dataDir).toBe(dataDir);
    expect(supervisor.dataDir).toBe(dataDir);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'ready']);
    expect(supervisor.connection()).toEqual(connection);
    expect(readFileSync(log.file, 'utf8')).toContain(`engine ready at ${connection.url}`);
  });

  it('restarts a crashed engine on the same port with the same token, and reports it', async () => {
    const before = supervisor.connection()!;
    const crashedPid = supervisor.pid!;
    statuses.length = 0;
    process.kill(crashedPid, 'SIGKILL');
    const restarting = await waitForStatus(statuses, (s) => s.state === 'restarting');
    expect(restarting).toMatchObject({ restarts: 1, retryInMs: 50 });
    expect(restarting.state === 'restarting' && restarting.reason).toMatch(/stopped unexpectedly \(killed by SIGKILL\)/);
    expect(supervisor.connection()).toBeNull();
    const ready = await waitForStatus(statuses, (s) => s.state === 'ready');
    expect(ready).toEqual({ state: 'ready', url: before.url, restarts: 1 });
    expect(supervisor.pid).not.toBe(crashedPid);
    expect(await health(before.url, before.token)).toBe(200);
  });

  it('stops the engine on quit without restarting it', async () => {
    const pid = supervisor.pid!;
    const url = supervisor.connection()!.url;
    statuses.length = 0;
    expect(await supervisor.stop()).toBe('exited');
    expect(isAlive(pid)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statuses.map((s) => s.state)).toEqual(['stopped']);
    await expect(fetch(`${url}${ROUTES.health}`)).rejects.toThrow();
  });
});

describe('EngineSupervisor with misbehaving engines', () => {
  it('kills an engine that ignores SIGTERM once the stop timeout passes', async () => {
    const log = new RotatingLog({ file: path.join(tempRoot, 'stubborn.log') });
    // Long enough for the stand-in to say it ignores SIGTERM before the kill, on a loaded machine too.
    const supervisor = new EngineSupervisor({ launch: tsxLaunch('main/src/testing/stubborn-engine.ts'), log, stopTimeoutMs: 2_000 });
    await supervisor.start();
    const pid = supervisor.pid!;
    const startedAt = Date.now();
    expect(await supervisor.stop()).toBe('killed');
    // A timer counts from the event loop's cached time, so it may fire a few ms early by Date.now().
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_900);
    expect(isAlive(pid)).toBe(false);
    expect(readFileSync(log.file, 'utf8')).toMatch(/ignoring SIGTERM[\s\S]*did not exit within 2000 ms of SIGTERM; killed it/);
  });

  it('gives up after repeated crashes and says why, pointing at the log', async () => {
    const log = new RotatingLog({ file: path.join(tempRoot, 'crashing.log') });
    const statuses: EngineStatus[] = [];
    const supervisor = new EngineSupervisor({ launch: tsxLaunch('main/src/testing/crashing-engine.ts'), log, restartDelaysMs: [10], maxCrashes: 2, onStatus: (status) => statuses.push(status) });
    await supervisor.start();
    const failed = await waitForStatus(statuses, (s) => s.state === 'failed');
    expect(statuses.filter((s) => s.state === 'restarting')).toHaveLength(2);
    expect(failed).toMatchObject({ state: 'failed', restarts: 2, logFile: log.file });
    expect(failed.state === 'failed' && failed.reason).toMatch(/stopped unexpectedly \(exit code 3\)[\s\S]*crashed 3 times/);
    expect(readFileSync(log.file, 'utf8')).toContain('crashing engine: out of memory');
  });

  it('does not retry an engine that exits before it was ever ready, and shows its last output', async () => {
    const log = new RotatingLog({ file: path.join(tempRoot, 'never-ready.log') });
    const statuses: EngineStatus[] = [];
    const supervisor = new EngineSupervisor({
      launch: { command: process.execPath, args: ['-e', 'console.error("no model folder"); process.exit(3)', '--'] },
      log,
      restartDelaysMs: [10],
      onStatus: (status) => statuses.push(status),
    });
    await expect(supervisor.start()).rejects.toThrow(/exited before it was ready \(exit code 3\)[\s\S]*no model folder/);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'failed']);
    expect(statuses.at(-1)).toMatchObject({ state: 'failed', restarts: 0, logFile: log.file });
  });

  it('shows the one line the real engine gives when it cannot use its data directory, without retrying', async () => {
    const log = new RotatingLog({ file: path.join(tempRoot, 'bad-data-dir.log') });
    const notAFolder = path.join(tempRoot, 'not-a-folder');
    writeFileSync(notAFolder, '');
    const statuses: EngineStatus[] = [];
    const supervisor = new EngineSupervisor({ launch: tsxLaunch('engine/api/main.ts'), log, dataDir: notAFolder, onStatus: (status) => statuses.push(status) });
    const refusal = await supervisor.start().then(
      () => expect.unreachable('the engine started on a file'),
      (error: Error) => error.message,
    );
    expect(refusal).toBe(`the engine cannot use its data directory ${notAFolder} (EEXIST: file already exists, mkdir '${notAFolder}'); make it a folder this user can write, or choose another data directory\nFull log: ${log.file}`);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'failed']);
    expect(readFileSync(log.file, 'utf8'), 'the stack is kept for the log').toMatch(/EEXIST[\s\S]*\n\s+at /);
  });

  it('reports a command that cannot be started', async () => {
    const log = new RotatingLog({ file: path.join(tempRoot, 'missing.log') });
    const supervisor = new EngineSupervisor({ launch: { command: path.join(tempRoot, 'no-such-node'), args: [] }, log, maxCrashes: 0 });
    await expect(supervisor.start()).rejects.toThrow(/could not start/);
    expect(existsSync(log.file)).toBe(true);
    expect(readFileSync(log.file, 'utf8')).toContain('engine could not be started');
  });
});

describe('quitting while a node ignores cancel', () => {
  it("waits out the engine's own shutdown, so the run is recorded as ended instead of left running", async () => {
    const dataDir = path.join(tempRoot, 'quit-data');
    mkdirSync(dataDir);
    const log = new RotatingLog({ file: path.join(tempRoot, 'quit.log') });
    const supervisor = new EngineSupervisor({ launch: tsxLaunch('engine/api/testing/slow-stop-engine.ts'), log, dataDir });
    await supervisor.start();
    expect(await supervisor.stop()).toBe('exited');
    const db = new Database(path.join(dataDir, 'crucible.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM runs').all()).toEqual([{ status: 'cancelled' }]);
      expect(db.prepare(`SELECT state FROM run_nodes WHERE node_id = 'train'`).all()).toEqual([{ state: 'cancelled' }]);
    } finally {
      db.close();
    }
  }, 60_000);
});
