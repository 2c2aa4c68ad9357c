// `crucible gateway` through runCli: routes to a real upstream server on loopback, answers /health per pool, stops on
// Ctrl-C; bad flags are usage errors that say which flag.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startScriptedUpstream, type ScriptedUpstream } from '../../endpoint/gateway/testing/scripted-upstream.ts';
import { EXIT } from '../io.ts';
import { startCliIn } from '../testing/run-cli-in.ts';

let dataDir: string;
let remote: ScriptedUpstream | null = null;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-gateway-cli-'));
});
afterEach(async () => {
  await remote?.close();
  remote = null;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const startCli = (args: string[]) => startCliIn(dataDir, args);

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('serves an upstream\'s models until interrupted', async () => {
  remote = await startScriptedUpstream({ model: 'remote-model' });
  const cli = startCli(['gateway', '--upstream', `${remote.url}=remote-model`, '--port', '0', '--auth', 'none']);
  await waitFor(() => cli.stdout().includes('Gateway at'), 'the "Gateway at" line');
  expect(cli.stdout()).toContain(`upstream 127.0.0.1:${remote.port} (${remote.baseURL}): up, serving remote-model`);
  const url = /Gateway at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(cli.stdout())![1]!;
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'remote-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status).toBe(200);
  const health = (await (await fetch(`${url}/health`)).json()) as { status: string; pools: Record<string, unknown> };
  expect(health.status).toBe('ok');
  expect(Object.keys(health.pools)).toEqual(['remote-model']);
  cli.interrupt();
  expect(await cli.code).toBe(EXIT.ok);
  await expect(fetch(`${url}/health`)).rejects.toThrow();
});

it('refuses bad upstream flags, naming the flag', async () => {
  const noUpstream = startCli(['gateway', '--port', '0']);
  expect(await noUpstream.code).toBe(EXIT.usage);
  expect(noUpstream.stderr()).toMatch(/needs at least one --upstream/);
  const badUrl = startCli(['gateway', '--upstream', 'ftp://127.0.0.1:1', '--auth', 'none']);
  expect(await badUrl.code).toBe(EXIT.usage);
  expect(badUrl.stderr()).toMatch(/--upstream "ftp:\/\/127.0.0.1:1": give URL\[=model1,model2\]/);
  const credentials = startCli(['gateway', '--upstream', 'http://user:pw@127.0.0.1:1', '--auth', 'none']);
  expect(await credentials.code).toBe(EXIT.usage);
  expect(credentials.stderr()).toMatch(/--upstream #1: must not carry credentials/);
  const badStore = startCli(['gateway', '--upstream', 'http://127.0.0.1:1', '--auth', 'none', '--store', 'mysql://u:secret@db/x']);
  expect(await badStore.code).toBe(EXIT.failed);
  expect(badStore.stderr()).toMatch(/^gateway: store URL .* is not one Crucible can open/);
  expect(badStore.stderr()).not.toContain('secret');
});
