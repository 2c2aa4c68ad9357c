// Reruns of a serving pipeline through the Engine, with a tiny model: an unchanged rerun keeps the deployment and
// the endpoint (same URL, one of each), a changed endpoint config replaces only the endpoint on the same fixed port,
// a forced node is replaced; a port held by a service of another pipeline, or by a foreign process, is named.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../free-port.ts';
import type { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { listeningProcess } from './port-holder.ts';
import { ServiceRegistry } from './service-registry.ts';
import { describeService, succeedService } from './service-succession.ts';
import { openServingEngine } from './testing/serving-engine.ts';

let fixture: TinyModelFolder;
let dataDir: string;
let engine: Engine;
beforeAll(async () => {
  fixture = writeTinyModelFolder();
  dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-succession-'));
  engine = await openServingEngine(dataDir);
});
afterAll(async () => {
  await engine.close();
  fixture.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

function servingPipeline(port: number, rpm = 0, name = 'serve tiny') {
  return fixturePipeline(
    [
      { id: 'model', type: 'model-folder', config: { folder: fixture.folder } },
      { id: 'deploy', type: 'deploy', config: { name: 'tiny', maxBatchSize: 2 } },
      { id: 'api', type: 'api-endpoint', config: { port, auth: 'none', rateLimit: { rpm } } },
    ],
    ['model.model->deploy.model', 'deploy.deployment->api.deployments'],
    name,
  );
}

async function run(pipeline: unknown, pipelinePath: string, force: string[] = []) {
  const { runId } = engine.startRun({ pipeline, pipelinePath, force });
  const finished = await engine.finished(runId)!;
  const logs = engine.logs(runId).map((entry) => `${entry.node}: ${entry.line}`);
  return { runId, finished, logs };
}

const running = (node: string) => engine.listServices().filter((service) => service.node === node && service.status === 'running');

async function waitForHealthy(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${url}/health`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/health did not turn 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('rerunning a serving pipeline', () => {
  const file = '/projects/serve-tiny.crucible.json';
  let port: number;

  it('keeps the deployment and the endpoint when nothing changed: one of each, same URL', async () => {
    port = await freePort();
    const first = await run(servingPipeline(port), file);
    expect(first.finished.status, JSON.stringify(first.finished.nodes)).toBe('succeeded');
    const [endpoint] = running('api');
    expect(endpoint?.url).toBe(`http://127.0.0.1:${port}`);

    const second = await run(servingPipeline(port), file);
    expect(second.finished.status, JSON.stringify(second.finished.nodes)).toBe('succeeded');
    expect(second.finished.nodes.deploy).toMatchObject({ state: 'cached' });
    expect(second.finished.nodes.api).toMatchObject({ state: 'cached' });
    expect(running('deploy')).toHaveLength(1);
    expect(running('api').map((service) => [service.id, service.url])).toEqual([[endpoint!.id, endpoint!.url]]);
    expect(second.logs.join('\n')).toContain(`api: kept service ${endpoint!.id} (api-endpoint "tiny" at http://127.0.0.1:${port}, node "api" of run ${first.runId}): its config and inputs are unchanged`);
  });

  it('replaces only the endpoint whose config changed, stopping it before the new one takes the same port', async () => {
    const [before] = running('api');
    const [deployment] = running('deploy');
    const third = await run(servingPipeline(port, 60), file);
    expect(third.finished.status, JSON.stringify(third.finished.nodes)).toBe('succeeded');
    expect(third.finished.nodes.deploy).toMatchObject({ state: 'cached' });
    expect(third.finished.nodes.api).toMatchObject({ state: 'succeeded' });
    expect(running('deploy').map((service) => service.id)).toEqual([deployment!.id]);
    const after = running('api');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before!.id);
    expect(after[0]!.url).toBe(`http://127.0.0.1:${port}`);
    expect(engine.services.get(before!.id)?.status).toBe('stopped');
    expect(third.logs.join('\n')).toContain(`api: stopping service ${before!.id}`);
    expect(third.logs.join('\n')).toContain('before starting it again: config field rateLimit.rpm changed');
    await waitForHealthy(after[0]!.url!);
  });

  it('replaces a forced node even when nothing changed, and the endpoint that served it', async () => {
    const [deployment] = running('deploy');
    const forced = await run(servingPipeline(port, 60), file, ['deploy']);
    expect(forced.finished.status, JSON.stringify(forced.finished.nodes)).toBe('succeeded');
    expect(forced.finished.nodes.deploy).toMatchObject({ state: 'succeeded' });
    expect(forced.finished.nodes.api).toMatchObject({ state: 'succeeded' });
    expect(running('deploy')).toHaveLength(1);
    expect(running('deploy')[0]!.id).not.toBe(deployment!.id);
    expect(running('api')).toHaveLength(1);
    expect(forced.logs.join('\n')).toContain('before starting it again: the node is forced');
  });

  it('restarts an endpoint on its port, owned as before: the next unchanged rerun keeps the restarted one', async () => {
    const [endpoint] = running('api');
    const [restarted] = await engine.restartService(endpoint!.id);
    expect(restarted).toMatchObject({ node: 'api', runId: endpoint!.runId, url: endpoint!.url, status: 'running' });
    expect(engine.services.get(endpoint!.id)?.status).toBe('stopped');
    await waitForHealthy(restarted!.url!);
    const rerun = await run(servingPipeline(port, 60), file);
    expect(rerun.finished.nodes.api).toMatchObject({ state: 'cached' });
    expect(running('api').map((service) => service.id)).toEqual([restarted!.id]);
    await expect(engine.restartService(endpoint!.id)).rejects.toThrow(`was replaced by ${restarted!.id}, which is running; restart that one`);
  });

  it('restarts a deployment under its id, and the endpoint over it with it', async () => {
    const [deployment] = running('deploy');
    const [endpoint] = running('api');
    const restarted = await engine.restartService(deployment!.id);
    expect(restarted.map((service) => service.node)).toEqual(['deploy', 'api']);
    expect(restarted[0]!.details?.deploymentId).toBe(deployment!.details?.deploymentId);
    expect(restarted[1]!.url).toBe(endpoint!.url);
    expect(running('deploy')).toHaveLength(1);
    expect(running('api')).toHaveLength(1);
    await waitForHealthy(restarted[1]!.url!);
  });

  it("names another pipeline's service that holds the port, and what to do", async () => {
    const [holder] = running('api');
    const other = await run(servingPipeline(port, 0, 'another pipeline'), '/projects/another.crucible.json');
    expect(other.finished.status).toBe('failed');
    const message = other.finished.nodes.api?.error?.message ?? '';
    expect(message).toContain(`port ${port} on 127.0.0.1 is already taken by service ${holder!.id} (api-endpoint "tiny" at http://127.0.0.1:${port}, node "api" of run `);
    expect(message).toContain(`crucible services stop ${holder!.id}`);
    await Promise.all(engine.services.running().map((service) => engine.stopService(service.id)));
  });
});

describe('two runs of one pipeline started at once', () => {
  it('start one deployment and one endpoint: the second run waits, then keeps them; a forced rerun leaves one of each', async () => {
    const port = await freePort();
    const file = '/projects/double-start.crucible.json';
    const starts = [engine.startRun({ pipeline: servingPipeline(port), pipelinePath: file }), engine.startRun({ pipeline: servingPipeline(port), pipelinePath: file })];
    const [first, second] = await Promise.all(starts.map(({ runId }) => engine.finished(runId)!));
    expect(first!.status, JSON.stringify(first!.nodes)).toBe('succeeded');
    expect(second!.status, JSON.stringify(second!.nodes)).toBe('succeeded');
    expect(second!.nodes.deploy).toMatchObject({ state: 'cached' });
    expect(second!.nodes.api).toMatchObject({ state: 'cached' });
    const ownedByFile = (node: string) => running(node).filter((service) => engine.services.ownerOf(service.id)?.pipelineId === file);
    expect(ownedByFile('deploy')).toHaveLength(1);
    expect(ownedByFile('api')).toHaveLength(1);
    expect(engine.logs(starts[1]!.runId).map((entry) => entry.line)).toContain(`waiting for another run of this pipeline to finish starting node "deploy"'s service`);

    const forced = await run(servingPipeline(port), file, ['deploy', 'api']);
    expect(forced.finished.status, JSON.stringify(forced.finished.nodes)).toBe('succeeded');
    expect(ownedByFile('deploy').map((service) => service.runId)).toEqual([forced.runId]);
    expect(ownedByFile('api').map((service) => service.runId)).toEqual([forced.runId]);
    await Promise.all(engine.services.running().map((service) => engine.stopService(service.id)));
  });
});

describe('succeedService with several services of one node', () => {
  const owned = (registry: ServiceRegistry, runId: string) =>
    registry.register({ runId, node: 'deploy', handle: { kind: 'deployment', name: 'm', stop: async () => undefined }, owner: { pipelineId: 'p', serviceKey: 'k', outputs: {} } });
  const request = (mayKeep: boolean, log: string[]) => ({ pipelineId: 'p', node: 'deploy', parts: undefined as never, serviceKey: 'k', mayKeep, log: (line: string) => log.push(line) });

  it('stops all but the newest, then keeps it when nothing changed', async () => {
    const registry = new ServiceRegistry();
    const [older, newer] = [owned(registry, 'r1'), owned(registry, 'r2')];
    const log: string[] = [];
    expect((await succeedService(registry, request(true, log)))?.service.id).toBe(newer.id);
    expect(registry.get(older.id)?.status).toBe('stopped');
    expect(registry.get(newer.id)?.status).toBe('running');
    expect(log[0]).toBe(`stopping ${describeService(older)}: another run of this node started ${newer.id} after it`);
  });

  it('stops every one of them when the node is forced', async () => {
    const registry = new ServiceRegistry();
    const services = [owned(registry, 'r1'), owned(registry, 'r2'), owned(registry, 'r3')];
    expect(await succeedService(registry, request(false, []))).toBeUndefined();
    expect(services.map((service) => registry.get(service.id)?.status)).toEqual(['stopped', 'stopped', 'stopped']);
  });
});

describe('a port held outside the engine', () => {
  let foreign: ChildProcess;
  let port: number;
  beforeAll(async () => {
    // Another process, as a user's own server would be: this test's own process would count as the engine.
    foreign = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: foreign.stdout! }), 'line')) as [string];
    port = Number(line);
  });
  afterAll(async () => {
    const exited = once(foreign, 'exit');
    foreign.kill();
    await exited;
  });

  it.runIf(process.platform === 'linux')('names the process listening there (read from /proc)', () => {
    expect(listeningProcess(port)).toMatchObject({ pid: foreign.pid });
  });

  it('fails the endpoint node with a message naming the holder and the ways out', async () => {
    const result = await run(servingPipeline(port, 0, 'foreign clash'), '/projects/foreign.crucible.json');
    const message = result.finished.nodes.api?.error?.message ?? '';
    const holder = process.platform === 'linux' ? `process ${foreign.pid} (` : 'another program';
    expect(message).toContain(`port ${port} on 127.0.0.1 is already taken by ${holder}`);
    expect(message).toContain('not a service of this engine; stop it or give this endpoint another port (0 picks a free one)');
    await Promise.all(engine.services.running().map((service) => engine.stopService(service.id)));
  });

  it.runIf(process.platform === 'linux')('says "this engine" when the engine\'s own process holds the port outside its services', async () => {
    const own = createServer();
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    try {
      const ownPort = (own.address() as { port: number }).port;
      const result = await run(servingPipeline(ownPort, 0, 'own clash'), '/projects/own.crucible.json');
      const message = result.finished.nodes.api?.error?.message ?? '';
      expect(message).toContain(`port ${ownPort} on 127.0.0.1 is already taken by this engine (process ${process.pid}), by a service it has not listed`);
      expect(message).not.toContain('not a service of this engine');
    } finally {
      await Promise.all(engine.services.running().map((service) => engine.stopService(service.id)));
      await new Promise((resolve) => own.close(resolve));
    }
  });
});

describe('an engine started without restoring services', () => {
  let keptDir: string;
  beforeAll(() => {
    keptDir = mkdtempSync(path.join(tmpdir(), 'crucible-left-stopped-'));
  });
  afterAll(() => rmSync(keptDir, { recursive: true, force: true }));

  const openKeeping = () => openServingEngine(keptDir);

  /** Runs the serving pipeline in an engine on `dataDir` and closes it with its services running, as a quit leaves them. */
  async function leaveServingPipelineRunning(dataDir: string, port: number): Promise<void> {
    const first = await openServingEngine(dataDir);
    try {
      await first.restoreServices(() => undefined);
      const { runId } = first.startRun({ pipeline: servingPipeline(port), pipelinePath: '/projects/kept.crucible.json' });
      expect((await first.finished(runId)!).status).toBe('succeeded');
    } finally {
      await first.close();
    }
  }

  it('lists the last engine’s services as stopped, starts none, and restarts each on request; a rerun replaces them', async () => {
    const port = await freePort();
    await leaveServingPipelineRunning(keptDir, port);

    const lines: string[] = [];
    const next = await openKeeping();
    try {
      expect(await next.restoreServices((line) => lines.push(line), { restart: false })).toEqual([]);
      const listed = next.listServices();
      expect(listed.map((service) => [service.node, service.status])).toEqual([['deploy', 'stopped'], ['api', 'stopped']]);
      expect(listed[0]!.details?.note).toBe('was running when the engine last stopped; restart it to bring it back');
      expect(lines).toEqual([expect.stringContaining('2 service(s) were running when the engine last stopped; they stay stopped.')]);

      const [deployment, endpoint] = await next.restartService(listed[1]!.id);
      expect(deployment, 'the endpoint brings up the deployment it serves first').toMatchObject({ node: 'deploy', status: 'running', details: { deploymentId: listed[0]!.details?.deploymentId } });
      expect(endpoint).toMatchObject({ node: 'api', status: 'running', url: `http://127.0.0.1:${port}` });
      await waitForHealthy(endpoint!.url!);

      const { runId } = next.startRun({ pipeline: servingPipeline(port), pipelinePath: '/projects/kept.crucible.json' });
      const finished = await next.finished(runId)!;
      expect(finished.status, JSON.stringify(finished.nodes)).toBe('succeeded');
      expect(next.services.running().map((service) => service.node).sort()).toEqual(['api', 'deploy']);
      expect(next.logs(runId).map((entry) => entry.line).join('\n')).toContain('it was restored after an engine restart, so its config is not known');
    } finally {
      await next.close();
    }
  });

  it('restarting a stopped deployment and the endpoint over it at once loads the model once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-restart-twice-'));
    await leaveServingPipelineRunning(dataDir, await freePort());
    const next = await openServingEngine(dataDir);
    try {
      await next.restoreServices(() => undefined, { restart: false });
      const [deployment, endpoint] = next.listServices();
      await Promise.all([next.restartService(deployment!.id), next.restartService(endpoint!.id)]);
      expect(next.services.running().map((service) => service.node).sort()).toEqual(['api', 'deploy']);
    } finally {
      await next.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
