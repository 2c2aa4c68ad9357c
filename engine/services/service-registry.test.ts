// The service registry: running services are listed, stopped once, and a crash marks them failed.
import { expect, it } from 'vitest';
import type { ServiceHandle } from '../../app/nodes/run-contract.ts';
import type { EngineEvent } from '../../app/protocol/run-events.ts';
import { ServiceRegistry } from './service-registry.ts';

function fakeHandle(name: string, stopImpl: () => Promise<void> = async () => undefined) {
  let exit: (value: { error?: string }) => void = () => undefined;
  let stops = 0;
  const handle: ServiceHandle = { kind: 'api', name, url: `http://localhost/${name}`, exited: new Promise((resolve) => (exit = resolve)), stop: () => (stops++, stopImpl()) };
  return { handle, exit: (value: { error?: string }) => exit(value), stops: () => stops };
}

it('registers, lists, stops once and announces each stop', async () => {
  const events: EngineEvent[] = [];
  const registry = new ServiceRegistry({ onStopped: (event) => events.push(event) });
  const a = fakeHandle('a');
  const info = registry.register({ runId: 'r1', node: 'deploy', handle: a.handle });
  expect(info).toMatchObject({ runId: 'r1', node: 'deploy', kind: 'api', name: 'a', url: 'http://localhost/a', status: 'running' });
  expect(registry.running()).toHaveLength(1);

  expect(await Promise.all([registry.stop(info.id), registry.stop(info.id)])).toEqual([true, true]);
  expect(a.stops()).toBe(1);
  expect(await registry.stop(info.id)).toBe(false);
  expect(registry.get(info.id)!.status).toBe('stopped');
  expect(events.map((e) => e.service.status)).toEqual(['stopped']);
});

it('marks a service that exits by itself failed (with its error) or stopped', async () => {
  const events: EngineEvent[] = [];
  const registry = new ServiceRegistry({ onStopped: (event) => events.push(event) });
  const crashing = fakeHandle('crashing');
  const quitting = fakeHandle('quitting');
  const crashed = registry.register({ runId: 'r', node: 'n1', handle: crashing.handle });
  const quit = registry.register({ runId: 'r', node: 'n2', handle: quitting.handle });
  crashing.exit({ error: 'port 8080 in use' });
  quitting.exit({});
  await new Promise((resolve) => setImmediate(resolve));
  expect(registry.get(crashed.id)).toMatchObject({ status: 'failed', details: { error: 'port 8080 in use' } });
  expect(registry.get(quit.id)!.status).toBe('stopped');
  expect(events).toHaveLength(2);
  expect(await registry.stop(crashed.id)).toBe(false);
});

it('stopAll stops every running service; a stop that throws marks it failed', async () => {
  const registry = new ServiceRegistry({ onStopped: () => { throw new Error('listener broke'); } });
  const good = fakeHandle('good');
  const bad = fakeHandle('bad', async () => { throw new Error('socket busy'); });
  registry.register({ runId: 'r', node: 'a', handle: good.handle });
  const badInfo = registry.register({ runId: 'r', node: 'b', handle: bad.handle });
  await registry.stopAll();
  expect(registry.running()).toEqual([]);
  expect(registry.get(badInfo.id)).toMatchObject({ status: 'failed', details: { error: 'stop failed: socket busy' } });
});

it('hands each registered service and its handle to onStarted; a listener that throws does not undo it', () => {
  const started: [string, ServiceHandle][] = [];
  const registry = new ServiceRegistry({ onStarted: (service, handle) => started.push([service.id, handle]) });
  const a = fakeHandle('a');
  const info = registry.register({ runId: 'r', node: 'n', handle: a.handle });
  expect(started).toEqual([[info.id, a.handle]]);

  const throwing = new ServiceRegistry({ onStarted: () => { throw new Error('listener broke'); } });
  const kept = throwing.register({ runId: 'r', node: 'n', handle: fakeHandle('b').handle });
  expect(throwing.get(kept.id)!.status).toBe('running');
});

it('lists a running service with its live details read now, and keeps the ones it started with once it ends', async () => {
  const registry = new ServiceRegistry();
  let replicas = 1;
  const { handle } = fakeHandle('scaling');
  const info = registry.register({ runId: 'r', node: 'deploy', handle: { ...handle, details: { replicas: 1, maxBatchSize: 8 }, liveDetails: () => ({ replicas }) } });
  replicas = 3;
  expect(registry.get(info.id)!.details).toEqual({ replicas: 3, maxBatchSize: 8 });
  expect(registry.list()[0]!.details).toEqual({ replicas: 3, maxBatchSize: 8 });
  await registry.stop(info.id);
  expect(registry.get(info.id)!.details).toEqual({ replicas: 1, maxBatchSize: 8 });
});
