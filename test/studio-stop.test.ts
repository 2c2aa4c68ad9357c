// `crucible studio` stops on one Ctrl-C even when a client holds a request open (issue 19, defect 10).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './engine-process.ts';

it('exits after one SIGINT while a request is still waiting for its body', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-studio-stop-'));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'crucible.js'), 'studio', '--no-open', '--no-build', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let socket: net.Socket | undefined;
  try {
    const origin = await new Promise<URL>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /studio is running at (\S+)/.exec(line);
        if (match) resolve(new URL(match[1]!));
      });
      void exited.then(({ code }) => reject(new Error(`studio exited with ${code}`)));
    });
    const connection = (socket = net.connect(Number(origin.port), '127.0.0.1'));
    connection.on('error', () => undefined);
    await new Promise<void>((resolve) => connection.on('connect', () => resolve()));
    connection.write(`POST /api/session HTTP/1.1\r\nhost: ${origin.host}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"co`);
    await new Promise((resolve) => setTimeout(resolve, 200));

    child.kill('SIGINT');
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000).unref());
    const outcome = await Promise.race([exited, timeout]);
    expect(outcome).toEqual({ code: 0, signal: null });
  } finally {
    socket?.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
