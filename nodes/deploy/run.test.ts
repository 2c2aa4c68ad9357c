// The deploy node over a fake serving capability: it asks for the configured device, forwards its log levels
// (a missing GPU is a warning), and records the device the deployment really got in the Deployment artifact.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { DeployRequest, ServingCapability } from '../capabilities/serving.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { DEPLOYMENT_FILE, deployRun } from './run.ts';
import { deployConfig, type DeployConfig } from './spec.ts';

let outputRoot: string;
beforeAll(() => {
  outputRoot = mkdtempSync(path.join(tmpdir(), 'crucible-deploy-node-'));
});
afterAll(() => rmSync(outputRoot, { recursive: true, force: true }));

/** Serves on the CPU whatever is asked, warning when a GPU was asked for, as the engine does on a machine without one. */
function cpuOnlyServing(requests: DeployRequest[]): ServingCapability {
  return {
    deploy: async (request) => {
      requests.push(request);
      const { device, name } = request.config;
      if (device !== 'cpu' && device !== 'auto') request.log(`device "${device}" is missing; falls back to the CPU`, 'warn');
      return { deploymentId: 'dep-1', model: name, contextLength: 64, device: 'cpu', service: { kind: 'deployment', name, stop: async () => undefined } };
    },
    startEndpoint: () => Promise.reject(new Error('the deploy node starts no endpoint')),
  };
}

function contextFor(config: DeployConfig, serving: ServingCapability, logs: { line: string; level?: LogLevel }[]): NodeRunContext<DeployConfig, NodeCapabilities> {
  return {
    runId: 'run-3',
    nodeId: 'deploy-1',
    config,
    input: () => ({ key: 'model-key', type: 'Model', path: '/artifacts/model-key', meta: {} }),
    inputs: () => [],
    outputDir: () => outputRoot,
    pipelineDir: null,
    dataDir: '/data',
    signal: new AbortController().signal,
    progress: () => undefined,
    log: (line, level) => logs.push({ line, level }),
    capabilities: capabilitiesForTest({ serving }),
  };
}

describe('the deploy node', () => {
  it('asks the serving capability for its configured device and records the device it got', async () => {
    const requests: DeployRequest[] = [];
    const logs: { line: string; level?: LogLevel }[] = [];
    const result = await deployRun.run(contextFor(deployConfig.parse({ name: 'bard', device: 'cuda', threads: 4 }), cpuOnlyServing(requests), logs));
    expect(requests.map((request) => request.config)).toEqual([deployConfig.parse({ name: 'bard', device: 'cuda', threads: 4 })]);
    expect(requests.map((request) => request.modelDir)).toEqual(['/artifacts/model-key']);
    expect(logs).toEqual([{ line: 'device "cuda" is missing; falls back to the CPU', level: 'warn' }]);
    expect(result.outputs.deployment!.meta).toMatchObject({ deploymentId: 'dep-1', device: 'cpu' });
    expect(JSON.parse(readFileSync(path.join(outputRoot, DEPLOYMENT_FILE), 'utf8'))).toMatchObject({ device: 'cpu' });
  });

  it('leaves the choice to the engine by default and logs nothing of its own', async () => {
    const requests: DeployRequest[] = [];
    const logs: { line: string; level?: LogLevel }[] = [];
    await deployRun.run(contextFor(deployConfig.parse({ device: 'cpu' }), cpuOnlyServing(requests), logs));
    await deployRun.run(contextFor(deployConfig.parse({}), cpuOnlyServing(requests), logs));
    expect(requests.map((request) => request.config.device)).toEqual(['cpu', 'auto']);
    expect(requests.map((request) => request.config.threads)).toEqual([1, 1]);
    expect(logs).toEqual([]);
  });

  it('checks draftModel as a model folder: none passes, one leading into ~/.ssh is refused on that field', async () => {
    const check = (draftModel: string) => deployRun.check!({ nodeId: 'deploy-1', config: deployConfig.parse({ draftModel }), pipelineDir: null, dataDir: '/data', signal: new AbortController().signal });
    expect(await check('')).toEqual([]);
    const home = mkdtempSync(path.join(tmpdir(), 'crucible-deploy-home-'));
    try {
      mkdirSync(path.join(home, '.ssh'));
      symlinkSync(path.join(home, '.ssh'), path.join(home, 'student'));
      expect(await check(path.join(home, 'student'))).toEqual([
        { field: 'draftModel', code: 'secret_source', severity: 'error', message: expect.stringContaining('point draftModel at the folder holding config.json') },
      ]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
