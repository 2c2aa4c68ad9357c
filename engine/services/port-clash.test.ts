// Validation's port warnings: two endpoints of one pipeline on a port, a port held by another pipeline's service or
// by a foreign process; none for port 0 or for the service a rerun of the same node replaces.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { portClashProblems } from './port-clash.ts';
import { ServiceRegistry } from './service-registry.ts';

const endpoints = (...ports: Array<number | undefined>) =>
  fixturePipeline(ports.map((port, index) => ({ id: `api${index + 1}`, type: 'api-endpoint', config: port === undefined ? {} : { port } })), [], 'endpoints');

function registryWithEndpointOn(port: number, owner: { pipelineId: string; node: string }): ServiceRegistry {
  const registry = new ServiceRegistry();
  registry.register({ runId: 'r-old', node: owner.node, owner: { pipelineId: owner.pipelineId }, handle: { kind: 'api-endpoint', name: 'tiny', url: `http://127.0.0.1:${port}`, stop: async () => undefined } });
  return registry;
}

let foreign: Server;
let foreignPort: number;
beforeAll(async () => {
  foreign = createServer();
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignPort = (foreign.address() as { port: number }).port;
});
afterAll(() => new Promise((resolve) => foreign.close(resolve)));

it('warns on the second endpoint of a pipeline that asks for the same port, the default one included', () => {
  // Filtered to the pipeline's own clash: something else on this machine may hold 8421 while the test runs.
  const problems = portClashProblems(endpoints(undefined, 8421, 0, 0), 'p', new ServiceRegistry()).filter((problem) => problem.message.includes('also asked for'));
  expect(problems).toEqual([
    { node: 'api2', field: 'port', code: 'port_clash', severity: 'warning', message: 'port 8421 is also asked for by api-endpoint "api1" of this pipeline; only one can listen there: give one of them another port (0 picks a free one)' },
  ]);
});

it("names another pipeline's running service on the port, but not the node's own (a rerun replaces it)", () => {
  const registry = registryWithEndpointOn(9555, { pipelineId: 'other.json', node: 'api1' });
  const [problem] = portClashProblems(endpoints(9555), 'mine.json', registry);
  expect(problem?.message).toMatch(/^port 9555 is held by service svc-[0-9a-f]+ \(api-endpoint "tiny" at http:\/\/127\.0\.0\.1:9555, node "api1" of run r-old\), so this endpoint will not start: stop that service \(Serving tab › Stop, or crucible services stop svc-/);
  expect(portClashProblems(endpoints(9555), 'other.json', registry)).toEqual([]);
});

it.runIf(process.platform === 'linux')('names a foreign process listening on the port', () => {
  const [problem] = portClashProblems(endpoints(foreignPort), 'mine.json', new ServiceRegistry());
  expect(problem?.message).toContain(`port ${foreignPort} is held by process ${process.pid} (`);
});

it("is part of the engine's validation, as warnings that keep the pipeline valid", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-port-clash-'));
  const engine = await Engine.open({ dataDir, runModules: new Map() });
  try {
    const checked = await engine.validate(endpoints(undefined, undefined));
    expect(checked.valid).toBe(true);
    const clashes = checked.problems.filter((problem) => problem.code === 'port_clash' && problem.message.includes('also asked for'));
    expect(clashes.map((problem) => [problem.node, problem.severity])).toEqual([['api2', 'warning']]);
  } finally {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
