// An api-endpoint node with upstreams and no deployments (a pipeline that only routes): it serves the upstream's
// models, lists them in the service details the studio shows, and its recipe brings the same gateway back.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import { apiEndpointRun } from '../../nodes/api-endpoint/run.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import { capabilitiesForTest } from '../../nodes/testing/capabilities.ts';
import { startScriptedUpstream, type ScriptedUpstream } from '../endpoint/gateway/testing/scripted-upstream.ts';
import { recipeOf } from '../services/serving-recipe.ts';
import { createServingCapability } from './serving-capability.ts';

let root: string;
let remote: ScriptedUpstream;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'crucible-serving-gateway-'));
  remote = await startScriptedUpstream({ model: 'remote-model' });
});
afterAll(async () => {
  await remote.close();
  rmSync(root, { recursive: true, force: true });
});

it('runs an api-endpoint over upstreams only, and restores it from its recipe', async () => {
  const serving = createServingCapability();
  const config = apiEndpointConfig.parse({ port: 0, auth: 'none', upstreams: [{ url: remote.baseURL, name: 'remote', models: [{ name: 'remote-model', servedAs: 'house-model' }] }] });
  const ctx: NodeRunContext<typeof config, NodeCapabilities> = {
    runId: 'run-1',
    nodeId: 'gateway-1',
    config,
    input: () => {
      throw new Error('no inputs');
    },
    inputs: () => [],
    outputDir: (port) => {
      const folder = path.join(root, port);
      mkdirSync(folder, { recursive: true });
      return folder;
    },
    pipelineDir: null,
    dataDir: root,
    signal: new AbortController().signal,
    progress: () => undefined,
    log: () => undefined,
    capabilities: capabilitiesForTest({ serving }),
  };
  const { service } = await apiEndpointRun.run(ctx);
  try {
    expect(service?.details).toMatchObject({ models: [], upstreams: [{ url: remote.baseURL, name: 'remote', models: ['house-model'] }] });
    const answer = await fetch(`${service!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'house-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    expect(remote.received.at(-1)!.body.model).toBe('remote-model');
  } finally {
    await service!.stop();
  }
  const restored = await serving.restore(recipeOf(service!), { dataDir: root, log: () => undefined });
  try {
    const models = (await (await fetch(`${restored.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(['house-model']);
  } finally {
    await restored.stop();
  }
});
