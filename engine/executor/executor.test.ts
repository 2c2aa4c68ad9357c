// Executor behaviour with fixture node types: order, targets, parallelism, caching and its reasons,
// failure isolation, cancellation, services and refusing invalid pipelines before they start.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { artifactKeyFor } from './cache-key.ts';
import { planRun } from './plan.ts';
import { PipelineInvalidError, RunRequestError } from './run-errors.ts';
import { fixturePipeline, readArtifactText } from './testing/fixture-nodes.ts';
import { createTestEngine } from './testing/test-engine.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-executor-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const chain = (suffix = '!', text = 'abc') =>
  fixturePipeline(
    [
      { id: 'src', type: 'source', config: { text } },
      { id: 'up', type: 'upper', config: { suffix } },
      { id: 'up2', type: 'upper', config: { suffix: '?' } },
    ],
    ['src.text->up.text', 'up.text->up2.text'],
  );

const statesOf = (events: RunEvent[], node: string) => events.flatMap((e) => (e.type === 'node.state' && e.node === node ? [e.state] : []));

describe('Executor: order and scope', () => {
  it('runs nodes upstream first, announces every planned node as pending, and passes artifacts along', async () => {
    const engine = await createTestEngine(dataDir);
    const finished = await engine.run({ pipeline: chain() });

    expect(finished.status).toBe('succeeded');
    expect(engine.recorder.started).toEqual(['src', 'up', 'up2']);
    const types = engine.events.map((e) => e.type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.finished');
    const firstRunning = engine.events.findIndex((e) => e.type === 'node.state' && e.state === 'running');
    const pendings = engine.events.filter((e, i) => e.type === 'node.state' && e.state === 'pending' && i < firstRunning);
    expect(pendings).toHaveLength(3);
    expect(await readArtifactText(finished.nodes.up2!.artifact!)).toBe('ABC!?');
    expect(finished.nodes.up2!.artifacts!.text!.bytes).toBe(5);
  });

  it('runs only the upstream closure of the targets', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline(
      [{ id: 'a', type: 'source' }, { id: 'b', type: 'upper' }, { id: 'c', type: 'source', config: { text: 'other' } }],
      ['a.text->b.text'],
    );
    const finished = await engine.run({ pipeline, targets: ['b'] });
    expect(Object.keys(finished.nodes).sort()).toEqual(['a', 'b']);
    expect(engine.recorder.started).toEqual(['a', 'b']);
  });

  it('runs independent branches side by side up to maxParallelNodes', async () => {
    const pipeline = fixturePipeline([1, 2, 3].map((i) => ({ id: `s${i}`, type: 'source', config: { text: `t${i}`, delayMs: 150 } })));
    const two = await createTestEngine(dataDir, { maxParallelNodes: 2 });
    await two.run({ pipeline });
    expect(two.recorder.maxActive).toBe(2);

    const one = await createTestEngine(path.join(dataDir, 'other'), { maxParallelNodes: 1 });
    await one.run({ pipeline });
    expect(one.recorder.maxActive).toBe(1);
  });
});

describe('Executor: cache', () => {
  it('serves an unchanged pipeline entirely from the cache on the next run', async () => {
    const engine = await createTestEngine(dataDir);
    const first = await engine.run({ pipeline: chain() });
    const second = await engine.run({ pipeline: chain() });
    expect(engine.recorder.started).toHaveLength(3);
    for (const id of ['src', 'up', 'up2']) {
      expect(second.nodes[id]).toMatchObject({ state: 'cached', cached: true, reason: 'config and inputs unchanged' });
      expect(second.nodes[id]!.artifact).toBe(first.nodes[id]!.artifact);
      // The cached node's outputs name the run that made them, whose charts and logs are the node's.
      expect(Object.values(second.nodes[id]!.artifacts!).map((artifact) => artifact.madeBy)).toEqual([{ runId: first.runId, nodeId: id }]);
    }
    expect(second.runId).not.toBe(first.runId);
    expect(second.status).toBe('succeeded');
  });

  it('changing only a downstream config reuses every upstream artifact', async () => {
    const engine = await createTestEngine(dataDir);
    await engine.run({ pipeline: chain() });
    const pipeline = chain();
    pipeline.nodes[2]!.config = { suffix: '#' };
    const second = await engine.run({ pipeline });
    expect(second.nodes.src!.state).toBe('cached');
    expect(second.nodes.up!.state).toBe('cached');
    expect(second.nodes.up2).toMatchObject({ state: 'succeeded', reason: 'config field suffix changed' });
    expect(await readArtifactText(second.nodes.up2!.artifact!)).toBe('ABC!#');
  });

  it('moving nodes on the canvas changes no cache key', async () => {
    const engine = await createTestEngine(dataDir);
    const first = await engine.run({ pipeline: chain() });
    const moved = chain();
    for (const node of moved.nodes) node.ui = { position: { x: 999, y: -5 }, collapsed: true };
    const second = await engine.run({ pipeline: moved });
    for (const id of ['src', 'up', 'up2']) expect(second.nodes[id]!.artifacts!.text!.key).toBe(first.nodes[id]!.artifacts!.text!.key);
    expect(engine.recorder.started).toHaveLength(3);
  });

  it('explains each miss: first run, config fields, inputs and node type version', async () => {
    const engine = await createTestEngine(dataDir);
    const first = await engine.run({ pipeline: chain() });
    expect(first.nodes.src!.reason).toBe('no cached artifact');

    const second = await engine.run({ pipeline: chain('!', 'xyz') });
    expect(second.nodes.src!.reason).toBe('config field text changed');
    expect(second.nodes.up!.reason).toBe('input text changed');

    const several = chain('!', 'xyz');
    several.nodes[0]!.config = { text: 'xyz', shape: { width: 2, depth: 3 } };
    const third = await engine.run({ pipeline: several, targets: ['src'] });
    expect(third.nodes.src!.reason).toBe('config fields shape.depth, shape.width changed');

    const upgraded = await createTestEngine(dataDir, { sourceVersion: 2 });
    const fourth = await upgraded.run({ pipeline: several, targets: ['src'] });
    expect(fourth.nodes.src!.reason).toBe('node type version changed (1 → 2)');
  });

  it('resolves path fields against the pipeline folder and re-runs when the source content changes', async () => {
    const pipelineDir = path.join(dataDir, 'project');
    await mkdir(pipelineDir, { recursive: true });
    await writeFile(path.join(pipelineDir, 'data.txt'), 'version one');
    const pipeline = fixturePipeline([{ id: 'file', type: 'file-source', config: { file: 'data.txt' } }]);
    const engine = await createTestEngine(dataDir);

    const first = await engine.run({ pipeline, pipelineDir });
    expect(await readArtifactText(first.nodes.file!.artifact!)).toBe('version one');
    expect((await engine.run({ pipeline, pipelineDir })).nodes.file!.state).toBe('cached');

    await writeFile(path.join(pipelineDir, 'data.txt'), 'version two');
    const third = await engine.run({ pipeline, pipelineDir });
    expect(third.nodes.file).toMatchObject({ state: 'succeeded', reason: 'source content changed' });
    expect(await readArtifactText(third.nodes.file!.artifact!)).toBe('version two');
  });

  it('a run-time override changes the config for that run only', async () => {
    const engine = await createTestEngine(dataDir);
    await engine.run({ pipeline: chain() });
    const overridden = await engine.run({ pipeline: chain(), overrides: [{ node: 'up', field: 'suffix', value: '%' }] });
    expect(overridden.nodes.up!.reason).toBe('config field suffix changed');
    expect(await readArtifactText(overridden.nodes.up2!.artifact!)).toBe('ABC%?');
  });

  it('--force re-runs the node and what depends on it, replacing its artifact', async () => {
    const engine = await createTestEngine(dataDir);
    const first = await engine.run({ pipeline: chain() });
    const forced = await engine.run({ pipeline: chain(), force: ['up'] });
    expect(forced.nodes.src!.state).toBe('cached');
    expect(forced.nodes.up).toMatchObject({ state: 'succeeded', reason: 'forced' });
    expect(forced.nodes.up2).toMatchObject({ state: 'succeeded', reason: 'upstream "up" was forced' });
    expect(forced.nodes.up!.artifacts!.text!.key).toBe(first.nodes.up!.artifacts!.text!.key);
    expect(engine.recorder.started).toEqual(['src', 'up', 'up2', 'up', 'up2']);
    const after = await engine.run({ pipeline: chain() });
    expect(Object.values(after.nodes).every((node) => node.state === 'cached')).toBe(true);
  });

  it('what a forced node feeds re-runs later too when that run did not reach it (a --target, a cancel)', async () => {
    const engine = await createTestEngine(dataDir);
    await engine.run({ pipeline: chain() });
    const forced = await engine.run({ pipeline: chain(), targets: ['up'], force: ['up'] });
    expect(forced.nodes.up).toMatchObject({ state: 'succeeded', reason: 'forced' });
    expect(forced.nodes.up2).toBeUndefined();
    // up's artifact was replaced under its key: up2's cached copy was made from the old one.
    const after = await engine.run({ pipeline: chain() });
    expect(after.nodes.up).toMatchObject({ state: 'cached' });
    expect(after.nodes.up2).toMatchObject({ state: 'succeeded', reason: 'input text changed' });
    expect((await engine.run({ pipeline: chain() })).nodes.up2).toMatchObject({ state: 'cached' });
  });

  it('a non-idempotent node always runs, and what depends on it sees a new input', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline([{ id: 'clock', type: 'clock' }, { id: 'up', type: 'upper' }], ['clock.text->up.text']);
    const first = await engine.run({ pipeline });
    const second = await engine.run({ pipeline });
    expect(second.nodes.clock).toMatchObject({ state: 'succeeded', reason: 'always runs (non-idempotent)' });
    expect(second.nodes.up).toMatchObject({ state: 'succeeded', reason: 'input text changed' });
    expect(await readArtifactText(second.nodes.up!.artifact!)).not.toBe(await readArtifactText(first.nodes.up!.artifact!));
  });
});

describe('Executor: failures', () => {
  it('a failure skips what depends on it while independent branches finish', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline(
      [{ id: 'bad', type: 'fail' }, { id: 'after', type: 'upper' }, { id: 'later', type: 'upper' }, { id: 'good', type: 'source', config: { delayMs: 50 } }],
      ['bad.text->after.text', 'after.text->later.text'],
    );
    const finished = await engine.run({ pipeline });
    expect(finished.status).toBe('failed');
    expect(finished.nodes.bad!.state).toBe('failed');
    expect(finished.nodes.bad!.error!.message).toContain('boom');
    expect(finished.nodes.bad!.error!.cause).toMatch(/Error: boom\n\s+at /);
    expect(finished.nodes.after).toMatchObject({ state: 'skipped', reason: 'upstream "bad" failed' });
    expect(finished.nodes.later).toMatchObject({ state: 'skipped', reason: 'upstream "bad" failed' });
    expect(finished.nodes.good!.state).toBe('succeeded');
    expect((await engine.run({ pipeline, targets: ['good'] })).nodes.good!.state).toBe('cached');
  });

  it.each([
    ['sync-throw', 'thrown synchronously'],
    ['garbage', 'returned 42 instead of { outputs'],
    ['missing-output', 'did not produce output "text"'],
    ['bad-metrics', 'returned metrics {"loss":"low"}'],
  ])('bad node code (%s) fails only that node', async (mode, message) => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline([{ id: 'bad', type: 'fail', config: { mode } }, { id: 'ok', type: 'source' }]);
    const finished = await engine.run({ pipeline });
    expect(finished.nodes.bad!.state).toBe('failed');
    expect(finished.nodes.bad!.error!.message).toContain(message);
    expect(finished.nodes.ok!.state).toBe('succeeded');
  });

  it('a node type without an engine implementation fails with a clear message', async () => {
    const engine = await createTestEngine(dataDir);
    const finished = await engine.run({ pipeline: fixturePipeline([{ id: 'g', type: 'ghost' }]) });
    expect(finished.nodes.g!.error!.message).toBe('no engine implementation for node type "ghost"');
  });

  it('a failed node leaves no artifact and no staging folder behind', async () => {
    const engine = await createTestEngine(dataDir);
    await engine.run({ pipeline: fixturePipeline([{ id: 'bad', type: 'fail', config: { mode: 'missing-output' } }]) });
    expect(await engine.artifacts.list()).toEqual([]);
    expect(await readdir(engine.artifacts.stagingRoot)).toEqual([]);
  });
});

describe('Executor: cancel', () => {
  it('stops a slow node through its signal and cancels what has not started', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline([{ id: 'slow', type: 'slow', config: { durationMs: 20_000 } }, { id: 'up', type: 'upper' }], ['slow.text->up.text']);
    const { runId, done } = engine.start({ pipeline, pipelineId: 'p' });
    await waitFor(() => engine.events.some((e) => e.type === 'node.log' && e.line === 'chunk 2'));
    const cancelledAt = Date.now();
    expect(engine.executor.cancel(runId)).toBe(true);
    const finished = await done;
    expect(Date.now() - cancelledAt).toBeLessThan(5000); // ~20 ms here; the node alone would run 20 s
    expect(finished.status).toBe('cancelled');
    expect(finished.nodes.slow!.state).toBe('cancelled');
    expect(finished.nodes.up!.state).toBe('cancelled');
    expect(finished.nodes.slow!.metrics.chunks).toBeGreaterThanOrEqual(3);
    expect(engine.executor.activeRuns()).toEqual([]);
    expect(engine.executor.cancel(runId)).toBe(false);
    expect(await engine.artifacts.list()).toEqual([]);
  });

  it('abandons a node that ignores the cancel after the grace period and discards its output', async () => {
    const engine = await createTestEngine(dataDir, { cancelGraceMs: 200 });
    const pipeline = fixturePipeline([{ id: 'stubborn', type: 'slow', config: { durationMs: 1500, honorSignal: false } }]);
    const { runId, done } = engine.start({ pipeline, pipelineId: 'p' });
    await waitFor(() => engine.events.some((e) => e.type === 'node.log'));
    engine.executor.cancel(runId);
    const finished = await done;
    expect(finished.nodes.stubborn!.state).toBe('cancelled');
    expect(finished.nodes.stubborn!.reason).toContain('did not stop within 200 ms');
    const eventsAtFinish = engine.events.length;
    await waitFor(async () => (await readdir(engine.artifacts.stagingRoot)).length === 0, 4000);
    expect(await engine.artifacts.list()).toEqual([]);
    expect(engine.events.length).toBe(eventsAtFinish);
  });
});

describe('Executor: services and validation', () => {
  it('registers service nodes without waiting on them; they can be stopped and can crash', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline([{ id: 'api', type: 'svc', config: { name: 'one' } }, { id: 'api2', type: 'svc', config: { name: 'two' } }]);
    const finished = await engine.run({ pipeline });
    expect(finished.nodes.api).toMatchObject({ state: 'succeeded', reason: 'always runs (service)' });
    const started = engine.events.filter((e) => e.type === 'service.started');
    expect(started.map((e) => e.node).sort()).toEqual(['api', 'api2']);
    expect(engine.services.running()).toHaveLength(2);

    const one = engine.services.list().find((s) => s.name === 'one')!;
    expect(await engine.services.stop(one.id)).toBe(true);
    expect(engine.recorder.services.get('one')!.stopped).toBe(true);
    engine.recorder.services.get('two')!.crash('port in use');
    await waitFor(() => engine.engineEvents.length === 2);
    expect(engine.services.list().map((s) => [s.name, s.status]).sort()).toEqual([['one', 'stopped'], ['two', 'failed']]);

    const again = await engine.run({ pipeline });
    expect(again.nodes.api!.reason).toBe('always runs (service)');
  });

  it('refuses an invalid pipeline before it starts, with problems only from the nodes the targets need', async () => {
    const engine = await createTestEngine(dataDir);
    const pipeline = fixturePipeline([{ id: 'ok', type: 'source' }, { id: 'broken', type: 'source', config: { delayMs: -1 } }, { id: 'lonely', type: 'upper' }]);
    let error: unknown;
    try {
      engine.start({ pipeline, pipelineId: 'p' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PipelineInvalidError);
    const problems = (error as PipelineInvalidError).problems;
    expect(problems.map((p) => [p.node, p.code]).sort()).toEqual([['broken', 'config_invalid'], ['lonely', 'required_input_missing']]);
    expect(engine.events).toEqual([]);

    const finished = await engine.run({ pipeline, targets: ['ok'] });
    expect(finished.status).toBe('succeeded');
    expect(() => engine.start({ pipeline, pipelineId: 'p', targets: ['nope'] })).toThrow(RunRequestError);
  });

  it('runs the plan it is given, never planning or parsing configs again, and refuses a run id already running', async () => {
    const engine = await createTestEngine(dataDir);
    const plan = planRun({ pipeline: chain(), registry: engine.registry, pipelineDir: null });
    plan.nodes.get('up')!.config = { suffix: ' as planned' };
    const parse = vi.spyOn(engine.registry.get('upper')!.config, 'safeParse');
    const { done } = engine.executor.start({ runId: 'run-a', pipelineId: 'p', plan });
    expect(() => engine.executor.start({ runId: 'run-a', pipelineId: 'p', plan })).toThrow(/run id "run-a" is already running/);
    const finished = await done;
    expect(await readArtifactText(finished.nodes.up2!.artifact!)).toBe('ABC AS PLANNED?');
    expect(parse).not.toHaveBeenCalled();
  });

  it('keeps artifact keys derived from the node key and port', async () => {
    const engine = await createTestEngine(dataDir);
    const finished = await engine.run({ pipeline: chain() });
    const stored = await engine.artifacts.get(finished.nodes.src!.artifacts!.text!.key);
    expect(stored!.record).toMatchObject({ port: 'text', nodeId: 'src', nodeType: 'source', type: 'Corpus', meta: { length: 3 } });
    expect(stored!.record.key).not.toBe(artifactKeyFor(stored!.record.key, 'text'));
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
