// Services across engine restarts. End to end through the Engine on one data directory: a pipeline deploys a tiny
// model behind two endpoints, the user stops one, a new engine brings back the rest (answering over HTTP); a model
// folder that is gone gives logged errors, never a crash. Then the keeper alone: crashes, failures and order.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { ServiceInfo } from '../../app/protocol/run-events.ts';
import { freePort } from '../free-port.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { postJson } from '../endpoint/testing/http-helpers.ts';
import { openDatabase } from '../store/database.ts';
import { ServiceRestoreStore } from '../store/service-restore-store.ts';
import { ServiceKeeper } from './service-keeper.ts';
import { ServiceRegistry } from './service-registry.ts';
import { withRecipe, type ServingRecipe } from './serving-recipe.ts';
import { openServingEngine } from './testing/serving-engine.ts';

let fixture: TinyModelFolder;
let dataDir: string;
beforeAll(() => {
  fixture = writeTinyModelFolder();
  dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-restore-'));
});
afterAll(() => {
  fixture.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const openEngine = () => openServingEngine(dataDir);

function pipeline(modelFolder: string) {
  const endpoint = { port: 0, auth: 'none' };
  return fixturePipeline(
    [
      { id: 'model', type: 'model-folder', config: { folder: modelFolder } },
      { id: 'deploy', type: 'deploy', config: { name: 'tiny', maxBatchSize: 2 } },
      { id: 'api', type: 'api-endpoint', config: endpoint },
      { id: 'api2', type: 'api-endpoint', config: endpoint },
    ],
    ['model.model->deploy.model', 'deploy.deployment->api.deployments', 'deploy.deployment->api2.deployments'],
    'deploy tiny',
  );
}

async function waitForHealthy(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${url}/health`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/health did not turn 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function completionTokens(url: string): Promise<number> {
  const response = await postJson(`${url}/v1/completions`, { model: 'tiny', prompt: 'First', max_tokens: 3, logit_bias: { '0': -100 } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
}

const byNodeAny = (services: ServiceInfo[], id: string) => services.find((service) => service.node === id);
const byNode = (services: ServiceInfo[], id: string) => services.find((service) => service.node === id && service.status === 'running');

describe('services across engine restarts', () => {
  let runId: string;
  let modelArtifact: string;
  let first: ServiceInfo[];

  it('records the services a pipeline starts; a user stop keeps one endpoint down', async () => {
    const engine = await openEngine();
    try {
      expect(await engine.restoreServices(() => undefined)).toEqual([]);
      ({ runId } = engine.startRun({ pipeline: pipeline(fixture.folder), pipelinePath: null }));
      const finished = await engine.finished(runId)!;
      expect(finished.status, JSON.stringify(finished.nodes)).toBe('succeeded');
      modelArtifact = finished.nodes.model!.artifact!;
      first = engine.listServices();
      expect(first.map((service) => service.node).sort()).toEqual(['api', 'api2', 'deploy']);
      expect(await engine.stopService(byNode(first, 'api2')!.id)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('brings the running ones back on the next start, under the same run and node, answering over HTTP', async () => {
    const lines: string[] = [];
    const engine = await openEngine();
    try {
      const restored = await engine.restoreServices((line) => lines.push(line));
      expect(restored.map((service) => [service.node, service.runId, service.status])).toEqual([
        ['deploy', runId, 'running'],
        ['api', runId, 'running'],
      ]);
      expect(byNode(engine.listServices(), 'api2'), 'the endpoint the user stopped stays down').toBeUndefined();
      expect(byNode(restored, 'deploy')!.details?.deploymentId, 'the deployment keeps its id').toBe(byNode(first, 'deploy')!.details?.deploymentId);
      expect(lines.filter((line) => line.startsWith('restored '))).toHaveLength(2);
      expect(lines.join('\n')).toContain(`restored deployment "tiny" (node "deploy" of run ${runId})`);

      const url = byNode(restored, 'api')!.url!;
      await waitForHealthy(url);
      expect(await completionTokens(url)).toBe(3);
    } finally {
      await engine.close();
    }
  });

  it('logs why a service cannot come back when its model folder is gone, and does not try again', async () => {
    rmSync(modelArtifact, { recursive: true, force: true });
    const lines: string[] = [];
    const engine = await openEngine();
    try {
      expect(await engine.restoreServices((line) => lines.push(line))).toEqual([]);
      // Listed as stopped with the reason, for a restart once it is fixed; never running.
      const listed = engine.listServices();
      expect(listed.map((service) => [service.node, service.status])).toEqual([
        ['deploy', 'stopped'],
        ['api', 'stopped'],
      ]);
      expect(String(byNodeAny(listed, 'deploy')!.details?.note)).toMatch(/^not restored: deployment "tiny": its model folder .* is gone/);
      expect(lines.join('\n')).toMatch(/could not restore deployment "tiny" .*: deployment "tiny": its model folder .* is gone; re-run the pipeline/);
      expect(lines.join('\n')).toMatch(/could not restore api-endpoint "tiny" .*deployment dep-[0-9a-f]+ is not running/);
    } finally {
      await engine.close();
    }
    const again: string[] = [];
    const next = await openEngine();
    try {
      expect(await next.restoreServices((line) => again.push(line))).toEqual([]);
      expect(again).toEqual([]);
    } finally {
      await next.close();
    }
  });
});

describe('restoring an endpoint whose port is now taken', () => {
  it('lists it as stopped with the reason, and a restart brings it back once the port is free', async () => {
    const restoreDir = mkdtempSync(path.join(tmpdir(), 'crucible-restore-port-'));
    const port = await freePort();
    const fixedPort = fixturePipeline(
      [
        { id: 'model', type: 'model-folder', config: { folder: fixture.folder } },
        { id: 'deploy', type: 'deploy', config: { name: 'tiny', maxBatchSize: 2 } },
        { id: 'api', type: 'api-endpoint', config: { port, auth: 'none' } },
      ],
      ['model.model->deploy.model', 'deploy.deployment->api.deployments'],
      'deploy tiny',
    );
    const squatter = createServer();
    try {
      const first = await openServingEngine(restoreDir);
      try {
        await first.restoreServices(() => undefined);
        const { runId } = first.startRun({ pipeline: fixedPort, pipelinePath: null });
        expect((await first.finished(runId)!).status).toBe('succeeded');
      } finally {
        await first.close();
      }
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      const lines: string[] = [];
      const engine = await openServingEngine(restoreDir);
      try {
        expect((await engine.restoreServices((line) => lines.push(line))).map((service) => service.node)).toEqual(['deploy']);
        const endpoint = byNodeAny(engine.listServices(), 'api')!;
        expect(endpoint.status).toBe('stopped');
        expect(String(endpoint.details?.note)).toContain(`not restored: api-endpoint: port ${port} on 127.0.0.1 is already taken by `);
        expect(lines.join('\n')).toContain(`It is listed as stopped (${endpoint.id}): restart it in the Serving tab or with "crucible services restart ${endpoint.id}" once that is fixed.`);
        await new Promise((resolve) => squatter.close(resolve));
        const [restarted] = await engine.restartService(endpoint.id);
        expect(restarted).toMatchObject({ node: 'api', status: 'running', url: `http://127.0.0.1:${port}` });
        await waitForHealthy(restarted!.url!);
      } finally {
        await engine.close();
      }
    } finally {
      if (squatter.listening) await new Promise((resolve) => squatter.close(resolve));
      rmSync(restoreDir, { recursive: true, force: true });
    }
  });
});

describe('the service keeper', () => {
  const deployRecipe = (deploymentId: string): ServingRecipe => ({
    kind: 'deployment',
    deploymentId,
    modelDir: '/models/m',
    precision: 'float32',
    config: deployConfig.parse({ name: 'm', maxBatchSize: 4, maxQueue: 8, defaults: { temperature: 1, topP: 1, topK: 0, maxTokens: 8 } }),
  });
  const fakeHandle = (kind: string, exited?: Promise<{ error?: string }>): ServiceHandle => ({ kind, name: 'm', stop: async () => undefined, ...(exited ? { exited } : {}) });

  function engineLike(store: ServiceRestoreStore, restored: ServingRecipe[]) {
    const lines: string[] = [];
    let keeper: ServiceKeeper | undefined;
    const registry = new ServiceRegistry({ onStarted: (service, handle) => keeper?.onStarted(service, handle), onStopped: (event) => keeper?.onEnded(event.service) });
    const restorer = {
      restore: async (recipe: unknown) => {
        if ((recipe as ServingRecipe).kind === 'deployment' && (recipe as { deploymentId: string }).deploymentId === 'dep-bad') throw new Error('the folder is unreadable');
        restored.push(recipe as ServingRecipe);
        return withRecipe(fakeHandle((recipe as ServingRecipe).kind), recipe as ServingRecipe);
      },
    };
    keeper = new ServiceKeeper({ store, registry, restorer, dataDir: '/data', log: (line) => lines.push(line), announce: () => undefined });
    return { registry, keeper, lines };
  }

  it('brings back what a crashed engine left running, deployments first; failed and stopped services stay down', async () => {
    const store = ServiceRestoreStore.open({ file: ':memory:' });
    const crashed = engineLike(store, []);
    let failLoading: (exit: { error?: string }) => void = () => undefined;
    const endpoint: ServingRecipe = { kind: 'api-endpoint', config: apiEndpointConfig.parse({ port: 0 }), deploymentIds: ['dep-1'] };
    crashed.registry.register({ runId: 'r1', node: 'api', handle: withRecipe(fakeHandle('api-endpoint'), endpoint) });
    crashed.registry.register({ runId: 'r1', node: 'deploy', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-1')) });
    crashed.registry.register({ runId: 'r1', node: 'broken', handle: withRecipe(fakeHandle('deployment', new Promise((resolve) => (failLoading = resolve))), deployRecipe('dep-2')) });
    const stopped = crashed.registry.register({ runId: 'r1', node: 'stopped', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-3')) });
    crashed.registry.register({ runId: 'r1', node: 'plain', handle: fakeHandle('other') });
    crashed.registry.register({ runId: 'r1', node: 'bad', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-bad')) });
    failLoading({ error: 'model never loaded' });
    await crashed.registry.stop(stopped.id);
    await new Promise((resolve) => setTimeout(resolve, 0));

    const restored: ServingRecipe[] = [];
    const next = engineLike(store, restored);
    const result = await next.keeper.restoreAll();
    expect(restored.map((recipe) => (recipe.kind === 'deployment' ? recipe.deploymentId : recipe.kind))).toEqual(['dep-1', 'api-endpoint']);
    expect(result.restored.map((service) => service.node)).toEqual(['deploy', 'api']);
    expect(result.failed).toBe(1);
    expect(next.lines.find((line) => line.startsWith('could not restore'))).toMatch(/deployment "m" \(node "bad" of run r1\): the folder is unreadable\. It is listed as stopped \(svc-\w+\): restart it in the Serving tab or with "crucible services restart svc-\w+" once that is fixed\./);
    expect(store.wanted().map((saved) => saved.node).sort(), 'the restored services are now the wanted ones').toEqual(['api', 'deploy']);
    store.close();
  });

  it('lists a service it could not bring back as stopped, with the reason and its recipe, so a restart works later', async () => {
    const store = ServiceRestoreStore.open({ file: ':memory:' });
    const crashed = engineLike(store, []);
    crashed.registry.register({ runId: 'r1', node: 'bad', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-bad')) });
    const next = engineLike(store, []);
    expect((await next.keeper.restoreAll()).failed).toBe(1);
    const [listed] = next.registry.list();
    expect(listed).toMatchObject({ node: 'bad', runId: 'r1', status: 'stopped', details: { deploymentId: 'dep-bad', note: 'not restored: the folder is unreadable' } });
    expect(next.registry.handleOf(listed!.id), 'the recipe a restart starts it from').toMatchObject({ kind: 'deployment' });
    expect(store.wanted(), 'not tried again on the next start').toEqual([]);
    store.close();
  });

  it("leaves alone the services a live engine of another process recorded; a dead one's are left stopped", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-keeper-owner-'));
    const store = ServiceRestoreStore.open({ dataDir });
    try {
      const running = engineLike(store, []);
      running.registry.register({ runId: 'r1', node: 'live', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-live')) });
      running.registry.register({ runId: 'r1', node: 'dead', handle: withRecipe(fakeHandle('deployment'), deployRecipe('dep-dead')) });
      const db = openDatabase({ dataDir });
      db.prepare(`UPDATE service_restores SET engine_pid = CASE node_id WHEN 'live' THEN 4001 ELSE 4002 END`).run();
      db.close();
      const isAlive = (pid: number) => pid === 4001;
      const lines: string[] = [];
      const registry = new ServiceRegistry();
      const keeper = new ServiceKeeper({ store, registry, restorer: { restore: async () => { throw new Error('not expected'); } }, dataDir, log: (line) => lines.push(line), announce: () => undefined, isAlive });
      expect(keeper.leaveStopped().map((service) => service.node)).toEqual(['dead']);
      expect(store.wanted(() => false).map((saved) => saved.node), 'still wanted: the live engine runs it').toEqual(['live']);
      expect(await keeper.restoreAll()).toEqual({ restored: [], failed: 0 });
    } finally {
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
