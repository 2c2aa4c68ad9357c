// The deploy and api-endpoint node runs over the engine's serving capability: deploy returns a deployment service and
// an artifact naming it, api-endpoint serves it over HTTP, and stale or missing inputs fail with clear messages.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, NodeRunContext } from '../../app/nodes/run-contract.ts';
import { apiEndpointConfig } from '../../nodes/api-endpoint/spec.ts';
import { apiEndpointRun } from '../../nodes/api-endpoint/run.ts';
import { DEPLOYMENT_FILE, deployRun } from '../../nodes/deploy/run.ts';
import { deployConfig } from '../../nodes/deploy/spec.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import { capabilitiesForTest } from '../../nodes/testing/capabilities.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../inference/testing/tiny-model-folder.ts';
import { createServingCapability, type EngineServingCapability } from './serving-capability.ts';

let fixture: TinyModelFolder;
let root: string;
let serving: EngineServingCapability;

beforeAll(() => {
  fixture = writeTinyModelFolder();
  root = mkdtempSync(path.join(tmpdir(), 'crucible-serving-nodes-'));
  serving = createServingCapability();
});
afterAll(() => {
  fixture.remove();
  rmSync(root, { recursive: true, force: true });
});

function context<Config>(nodeId: string, config: Config, ports: Record<string, ArtifactHandle[]>): NodeRunContext<Config, NodeCapabilities> {
  return {
    runId: 'run-1',
    nodeId,
    config,
    input: (port) => ports[port]![0]!,
    inputs: (port) => ports[port] ?? [],
    outputDir: (port) => {
      const folder = path.join(root, nodeId, port);
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
}

const modelArtifact = (folder: string): ArtifactHandle => ({ key: 'model-key', type: 'Model', path: folder, meta: {} });

describe('deploy and api-endpoint nodes', () => {
  it('deploy starts a deployment service; api-endpoint serves it over the OpenAI API until both are stopped', async () => {
    const deployed = await deployRun.run(context('deploy-1', deployConfig.parse({ name: 'node-model', maxBatchSize: 2 }), { model: [modelArtifact(fixture.folder)] }));
    const meta = deployed.outputs.deployment!.meta!;
    expect(deployed.service?.kind).toBe('deployment');
    expect(meta).toMatchObject({ model: 'node-model', contextLength: fixture.config.blockSize, precision: 'float32', modelKey: 'model-key' });
    expect(serving.deployments.has(meta.deploymentId as string)).toBe(true);
    expect(existsSync(path.join(root, 'deploy-1', 'deployment', DEPLOYMENT_FILE))).toBe(true);

    const deploymentArtifact: ArtifactHandle = { key: 'deployment-key', type: 'Deployment', path: path.join(root, 'deploy-1', 'deployment'), meta };
    const endpoint = await apiEndpointRun.run(context('api-1', apiEndpointConfig.parse({ port: 0, auth: 'none' }), { deployments: [deploymentArtifact] }));
    const url = endpoint.service!.url!;
    expect(endpoint.service?.kind).toBe('api-endpoint');
    await serving.deployments.get(meta.deploymentId as string)!.generator.whenReady();
    const response = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'node-model', prompt: 'First', max_tokens: 3, logit_bias: { '0': -100 } }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);

    await endpoint.service!.stop();
    await deployed.service!.stop();
    expect(serving.deployments.size).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await expect(apiEndpointRun.run(context('api-2', apiEndpointConfig.parse({ port: 0, auth: 'none' }), { deployments: [deploymentArtifact] }))).rejects.toThrow(
      /deployment dep-[0-9a-f]+ is not running .* re-run the pipeline/,
    );
  });

  it('fails clearly for a model folder that cannot be served and for an endpoint without deployments', async () => {
    const empty = path.join(root, 'empty-model');
    mkdirSync(empty);
    await expect(deployRun.run(context('deploy-2', deployConfig.parse({}), { model: [modelArtifact(empty)] }))).rejects.toThrow(/config\.json is missing/);
    const quantized: ArtifactHandle = { ...modelArtifact(fixture.folder), meta: { quantization: { scheme: 'int8' } } };
    await expect(deployRun.run(context('deploy-3', deployConfig.parse({}), { model: [quantized] }))).rejects.toThrow(/onnx\/model_int8\.onnx is missing; run a quantize node for int8/);
    await expect(apiEndpointRun.run(context('api-3', apiEndpointConfig.parse({ port: 0 }), { deployments: [] }))).rejects.toThrow(/nothing to serve/);
  });
});
