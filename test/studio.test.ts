// `crucible studio`: serves the engine on loopback and hands the token over through a one-time link.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './engine-process.ts';

describe('crucible studio', () => {
  it('prints a one-time link whose code trades once for the engine token', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-studio-'));
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'crucible.js'), 'studio', '--no-open', '--no-build', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const link = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const match = /one-time link in your browser: (\S+)/.exec(line);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
      });
      const url = new URL(link);
      expect(url.hostname).toBe('127.0.0.1');
      const code = new URLSearchParams(url.hash.slice(1)).get('code')!;
      const exchange = () => fetch(`${url.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });

      const first = await exchange();
      expect(first.status).toBe(200);
      const { token } = await first.json();
      expect((await fetch(`${url.origin}/api/health`, { headers: { 'x-crucible-token': token } })).status).toBe(200);
      expect((await fetch(`${url.origin}/api/health`)).status).toBe(401);

      const replay = await exchange();
      expect(replay.status).toBe(401);
      expect((await replay.json()).error.code).toBe('invalid_session_code');
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    }
  });
});
