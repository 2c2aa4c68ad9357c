// `crucible studio` refusals, in-process: a --port another program holds, and a data directory another engine
// already serves. Each is one line on stderr and a non-zero exit, and leaves the first holder as it was.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINE_ADDRESS_FILE, readEngineAddress } from '../../api/engine-address-file.ts';
import { serveEngine } from '../../api/serve-engine.ts';
import { Engine } from '../../engine.ts';
import { EXIT } from '../io.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { runCliIn, startCliIn } from '../testing/run-cli-in.ts';
import { studioCommand } from './studio.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-studio-cli-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const studio = ['studio', '--no-open', '--no-build'];

describe('crucible studio', () => {
  it('names what holds a taken --port and suggests another, in one line and without a stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const refused = await runCliIn(dataDir, [...studio, '--port', String(port)]);
      expect(refused.code).toBe(1);
      expect(refused.out).toBe('');
      // This test's own process holds the port; on Linux /proc says so, elsewhere "another program".
      const who = process.platform === 'linux' ? `process ${process.pid} \\(.+\\)` : 'another program';
      expect(refused.err).toMatch(new RegExp(`^crucible studio: port ${port} is in use by ${who}; stop it, or pick another --port \\(--port 0 picks a free one\\)\\n$`));
      expect(fs.existsSync(path.join(dataDir, ENGINE_ADDRESS_FILE))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('refuses to start on a data directory another engine serves, naming it, and leaves that one reachable', async () => {
    const first = startCliIn(dataDir, [...studio, '--port', '0']);
    try {
      await expect.poll(() => first.stdout(), { timeout: 15_000 }).toContain('Press Ctrl-C to stop.');
      const address = readEngineAddress(dataDir)!;
      expect(address.pid).toBe(process.pid);
      const second = await runCliIn(dataDir, [...studio, '--port', '0']);
      expect(second.code).toBe(1);
      expect(second.out).toBe('');
      expect(second.err).toBe(`crucible studio: a Crucible engine (pid ${process.pid}) already serves the data directory ${dataDir} at ${address.url}; use that one, stop it first, or start this one with another data directory\n`);
      expect(readEngineAddress(dataDir)).toEqual(address); // crucible services still finds the first
    } finally {
      first.interrupt();
      expect(await first.code).toBe(0);
    }
    expect(readEngineAddress(dataDir)).toBeUndefined();
  });

  it('says in one line when another engine took the data directory after the check (an engine of this process here)', async () => {
    const first = await serveEngine(await Engine.open({ dataDir, runModules: new Map() }), { port: 0 });
    const second = await Engine.open({ dataDir, runModules: new Map() });
    try {
      const io = capturedIo({ cwd: dataDir });
      expect(await studioCommand(second, { port: 0, open: false, build: false }, io.io)).toBe(EXIT.failed);
      expect(io.stderr()).toBe(`crucible studio: a Crucible engine (pid ${process.pid}) already serves the data directory ${path.resolve(dataDir)} at ${first.url}; use that one, stop it first, or start this one with another data directory\n`);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

