// `crucible services` against a studio engine on a temporary data directory: found through its address file
// (owner-only, gone once the engine stops), it lists, stops and refuses what it cannot restart; with no engine
// running it says so and how to start one.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ENGINE_ADDRESS_FILE, readEngineAddress, writeEngineAddress } from '../../api/engine-address-file.ts';
import { serveEngine, type RunningEngine } from '../../api/serve-engine.ts';
import { Engine } from '../../engine.ts';
import { runCliIn } from '../testing/run-cli-in.ts';
import { callEngine } from './services.ts';

let dataDir: string;
let running: RunningEngine | undefined;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-services-cli-'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliIn(dataDir, args);

it('says no engine runs on the data directory, and how to start one', async () => {
  const result = await cli('services', 'list');
  expect(result.code).toBe(1);
  expect(result.err).toContain(`no studio or desktop engine is running on ${dataDir}`);
  expect(result.err).toContain('crucible studio');
  expect((await cli('services', 'stop')).code).toBe(64);
  expect((await cli('services', 'pause', 'svc-1')).code).toBe(64);
});

it('lists and stops the running engine’s services, and refuses to restart one without a recipe', async () => {
  const engine = await Engine.open({ dataDir, runModules: new Map() });
  running = await serveEngine(engine, { port: 0, token: 'a-test-token-of-enough-length' });
  const file = path.join(dataDir, ENGINE_ADDRESS_FILE);
  if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(readEngineAddress(dataDir)).toMatchObject({ url: running.url, pid: process.pid });
  const service = engine.services.register({ runId: 'r-1', node: 'api', handle: { kind: 'api-endpoint', name: 'tiny', url: 'http://127.0.0.1:8421', stop: async () => undefined } });

  const listed = await cli('services', 'list');
  expect(listed.code).toBe(0);
  expect(listed.out.split('\n')[0]).toMatch(/^ID\s+KIND\s+NAME\s+STATUS\s+URL\s+NODE\s+RUN$/);
  expect(listed.out).toMatch(new RegExp(`${service.id}\\s+api-endpoint\\s+tiny\\s+running\\s+http://127\\.0\\.0\\.1:8421\\s+api\\s+r-1`));

  const restart = await cli('services', 'restart', service.id);
  expect(restart.code).toBe(1);
  expect(restart.err).toContain('cannot be restarted: only deployments and API endpoints started by a pipeline can');

  expect(await cli('services', 'stop', service.id)).toMatchObject({ code: 0, out: `${service.id}: stopped\n` });
  expect(JSON.parse((await cli('services', 'list', '--json')).out)).toEqual([expect.objectContaining({ id: service.id, status: 'stopped' })]);
  expect((await cli('services', 'stop', 'svc-unknown')).err).toContain('no service "svc-unknown"');

  await running.close();
  running = undefined;
  expect(fs.existsSync(file)).toBe(false);
});

it('names each service a restart started, not the one asked for on every line', async () => {
  const engine = await Engine.open({ dataDir, runModules: new Map() });
  running = await serveEngine(engine, { port: 0, token: 'a-test-token-of-enough-length' });
  const old = engine.services.register({ runId: 'r-1', node: 'deploy', handle: { kind: 'deployment', name: 'tiny', stop: async () => undefined } });
  const deployment = engine.services.register({ runId: 'r-1', node: 'deploy', handle: { kind: 'deployment', name: 'tiny', stop: async () => undefined } });
  const endpoint = engine.services.register({ runId: 'r-1', node: 'api', handle: { kind: 'api-endpoint', name: 'api', url: 'http://127.0.0.1:8421', stop: async () => undefined } });
  // What a deployment's restart returns: itself, then the endpoint over it, both under new ids.
  vi.spyOn(engine, 'restartService').mockResolvedValue([deployment, endpoint]);
  const restart = await cli('services', 'restart', old.id);
  expect(restart).toMatchObject({ code: 0, out: `restarted deployment "tiny" as ${deployment.id}\nrestarted api-endpoint "api" as ${endpoint.id} at http://127.0.0.1:8421\n` });
});

it('ignores the address a crashed engine left behind', () => {
  fs.writeFileSync(path.join(dataDir, ENGINE_ADDRESS_FILE), JSON.stringify({ url: 'http://127.0.0.1:1', pid: 999_999_999, token: 'x'.repeat(32), startedAt: 'then' }));
  expect(readEngineAddress(dataDir, () => false)).toBeUndefined();
  expect(readEngineAddress(dataDir, () => true)).toMatchObject({ url: 'http://127.0.0.1:1' });
});

it('leaves the engine running when the data directory cannot take the address file', () => {
  const warnings: string[] = [];
  const remove = writeEngineAddress(path.join(dataDir, 'no-such-folder'), { url: 'http://127.0.0.1:1', token: 'x'.repeat(32) }, (line) => warnings.push(line));
  expect(warnings).toEqual([expect.stringContaining('crucible services cannot reach this engine: writing ')]);
  expect(() => remove()).not.toThrow();
});

it('gives up on an engine that takes the request and never answers, and says so', async () => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as AddressInfo;
    const engine = { url: `http://127.0.0.1:${port}`, pid: process.pid, token: 'a-test-token-of-enough-length', startedAt: new Date().toISOString() };
    await expect(callEngine(engine, 'GET', '/api/services', 200)).rejects.toThrow(`the engine at ${engine.url} (process ${process.pid}) did not answer: no answer within 0.2 s`);
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
});
