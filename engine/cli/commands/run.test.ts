import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { NodeRunModule } from '../../../app/nodes/run-contract.ts';
import { defineNodeSpec } from '../../../app/nodes/spec.ts';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { API_KEY_HINT } from '../serving-text.ts';
import { Engine } from '../../engine.ts';
import { createFixtures, fixturePipeline, type Fixtures } from '../../executor/testing/fixture-nodes.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { runCommand, servingLines } from './run.ts';

let engine: Engine | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await engine?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crucible-run-'));
  dirs.push(dir);
  return dir;
}

const fakeIo = (cwd: string, isTTY = false) => capturedIo({ cwd, stdout: { isTTY, columns: 120 } });

async function setup(pipelineNodes: Parameters<typeof fixturePipeline>[0], edges: string[] = [], extend: (fixtures: Fixtures) => void = () => undefined) {
  const dir = tempDir();
  const fixtures = createFixtures();
  extend(fixtures);
  engine = await Engine.open({ dataDir: path.join(dir, 'data'), registry: fixtures.registry, runModules: fixtures.runModules });
  writeFileSync(path.join(dir, 'p.crucible.json'), serializePipeline(fixturePipeline(pipelineNodes, edges)));
  return { dir, engine };
}

const base = { targets: [], overrides: [], force: [], json: false };

/** A node whose config check warns, as pretrain's does of a warmup covering the whole run, and that writes a file. */
function addWarnedNode(fixtures: Fixtures): void {
  fixtures.registry.register(defineNodeSpec({
    type: 'warned', title: 'Warned', category: 'Data', summary: 'fixture', docs: 'fixture', icon: 'box', version: 1, inputs: [],
    outputs: [{ name: 'text', type: 'Corpus', title: 'Text', description: 'A text file' }],
    config: z.object({ warmupSteps: z.number().default(1).describe('Warmup'), maxSteps: z.number().default(10).describe('Steps') }),
    checkConfig: (config) => (config.warmupSteps >= config.maxSteps ? [{ field: 'warmupSteps', code: 'schedule_never_decays', severity: 'warning', message: 'warmup covers the whole run' }] : []),
  }));
  const run: NodeRunModule['run'] = async (ctx) => {
    await writeFile(path.join(ctx.outputDir('text'), 'text.txt'), 'warm');
    return { outputs: { text: {} } };
  };
  fixtures.runModules.set('warned', { type: 'warned', run });
}

/** The fixture service node, started as an api-endpoint that checks keys (or not) on a fixed address. */
function serveAsEndpoint(auth: 'keys' | 'none') {
  return (fixtures: Fixtures) => {
    fixtures.runModules.set('svc', {
      type: 'svc',
      run: async (ctx) => ({ outputs: {}, service: { kind: 'api-endpoint', name: String(ctx.config.name), url: 'http://127.0.0.1:8421', details: { auth }, stop: async () => undefined } }),
    });
  };
}

describe('crucible run', () => {
  it('prints one line per state change without a TTY, and why nodes ran or came from the cache', async () => {
    const { dir, engine } = await setup([{ id: 'a', type: 'source' }, { id: 'b', type: 'upper' }], ['a.text->b.text']);
    const first = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json' }, first.io)).toBe(0);
    expect(first.stdout()).toMatch(/✓ a\s+succeeded/);
    const second = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', overrides: [{ node: 'b', field: 'suffix', value: '?' }] }, second.io)).toBe(0);
    expect(second.stdout()).toMatch(/● a\s+cached\s+config and inputs unchanged/);
    expect(second.stdout()).toMatch(/✓ b\s+succeeded .*\(config field suffix changed\)/);
  });

  it('ends a text run with the folders of its targets\' outputs, cached ones included', async () => {
    const { dir, engine } = await setup([{ id: 'a', type: 'source' }, { id: 'b', type: 'upper' }], ['a.text->b.text']);
    const first = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', targets: ['b'] }, first.io)).toBe(0);
    const artifacts = path.join(dir, 'data', 'artifacts');
    const folder = new RegExp(`run \\S+ succeeded\\noutputs:\\n  b\\.text: ${artifacts}/[0-9a-f]{64}\\n$`);
    expect(first.stdout()).toMatch(folder);
    const again = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', targets: ['b'] }, again.io)).toBe(0);
    expect(again.stdout()).toMatch(/● b\s+cached/);
    expect(again.stdout()).toMatch(folder);
    const whole = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json' }, whole.io)).toBe(0);
    expect(whole.stdout()).toMatch(/outputs:\n  a\.text: \S+\n  b\.text: \S+\n$/);
  });

  it('prints the warnings of the nodes the run needs, overrides applied, on stderr before the run starts', async () => {
    const { dir, engine } = await setup([{ id: 'w', type: 'warned' }, { id: 'other', type: 'warned', config: { warmupSteps: 10 } }], [], addWarnedNode);
    const quiet = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', targets: ['w'] }, quiet.io)).toBe(0);
    expect(quiet.stderr()).toBe(''); // "other" warns, but this run does not need it

    const warned = fakeIo(dir);
    const stdoutWhenWarned: string[] = [];
    warned.io.stderr.on('data', () => stdoutWhenWarned.push(warned.stdout()));
    const overrides = [{ node: 'w', field: 'maxSteps', value: 1 }];
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', targets: ['w'], overrides }, warned.io)).toBe(0);
    expect(warned.stderr()).toBe('warning: node "w": config.warmupSteps: warmup covers the whole run\n');
    expect(stdoutWhenWarned).toEqual(['']);
    expect(warned.stdout()).toMatch(/✓ w\s+succeeded/);
  });

  it('keeps whole lines without a TTY, however narrow the columns say the output is', async () => {
    const longId = 'uppercased_copy_of_the_source_text';
    const { dir, engine } = await setup([{ id: 'a', type: 'source' }, { id: longId, type: 'upper' }], [`a.text->${longId}.text`]);
    const narrow = fakeIo(dir);
    Object.assign(narrow.io.stdout, { columns: 20 });
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', force: [longId] }, narrow.io)).toBe(0);
    const line = narrow.stdout().split('\n').find((text) => text.startsWith(`✓ ${longId}`))!;
    expect(line.length).toBeGreaterThan(40); // the narrowest a terminal row is drawn
    expect(line).not.toContain('…');
    expect(line).toMatch(/\(forced\)$/);
  });

  it('prints NDJSON with --json, the last line being run.finished', async () => {
    const { dir, engine } = await setup([{ id: 'a', type: 'source' }]);
    const io = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', json: true, force: ['a'] }, io.io)).toBe(0);
    const lines = io.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded', nodes: { a: { state: 'succeeded', cached: false, reason: 'forced', artifact: expect.any(String) } } });
  });

  it('refuses a file of the wrong shape with its own problems, and a file that is not JSON with exit 2', async () => {
    const { dir, engine } = await setup([{ id: 'a', type: 'source' }]);
    const file = JSON.parse(serializePipeline(fixturePipeline([{ id: 'a', type: 'source' }]))) as { nodes: unknown[] };
    file.nodes[0] = { id: 'a', type: 'source', typeVersion: 'one', config: {} };
    writeFileSync(path.join(dir, 'shape.crucible.json'), JSON.stringify(file));
    const shape = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'shape.crucible.json' }, shape.io)).toBe(1);
    expect(shape.stderr()).toMatch(/node "a": .*typeVersion/);

    writeFileSync(path.join(dir, 'broken.crucible.json'), '{ "nodes": [');
    const broken = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'broken.crucible.json' }, broken.io)).toBe(2);
    expect(broken.stderr()).toMatch(/^broken\.crucible\.json: not valid JSON at line 1, column \d+/);
    expect(engine.listRuns()).toEqual([]);
  });

  it('cancels cleanly on Ctrl-C', async () => {
    const { dir, engine } = await setup([{ id: 's', type: 'slow', config: { durationMs: 30_000 } }]);
    const io = fakeIo(dir, true);
    const done = runCommand(engine, { ...base, file: 'p.crucible.json' }, io.io);
    // The slow node running (a fixed 300 ms wait could end before the command listened for Ctrl-C on a loaded machine).
    await expect.poll(() => engine.activeRunIds().map((runId) => engine.getRun(runId)?.nodes.s?.state), { timeout: 15_000 }).toEqual(['running']);
    const started = Date.now();
    io.interrupt();
    expect(await done).toBe(130);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(io.stdout()).toMatch(/cancelled/);
  });

  it('keeps the services a run started up until Ctrl-C, and stops when the run ends with --exit', async () => {
    const { dir, engine } = await setup([{ id: 'api', type: 'svc', config: { name: 'bard' } }]);
    const serving = fakeIo(dir);
    let returned = false;
    const done = runCommand(engine, { ...base, file: 'p.crucible.json' }, serving.io).then((code) => ((returned = true), code));
    // The run ended (its services listed) before the wait that checks the command stays up.
    await expect.poll(() => serving.stdout(), { timeout: 15_000 }).toMatch(/serving fake bard at http:\/\/127.0.0.1:0\/bard/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(returned).toBe(false);
    expect(engine.listServices().filter((service) => service.status === 'running')).toHaveLength(1);
    serving.interrupt();
    expect(await done).toBe(0);

    const once = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', json: true, exit: true }, once.io)).toBe(0);
    expect(once.stdout()).not.toMatch(/"serving"/);
  });

  it('shows an api-endpoint by the base URL an OpenAI client takes, with the key hint when it checks keys', async () => {
    const { dir, engine } = await setup([{ id: 'api', type: 'svc', config: { name: 'bard' } }], [], serveAsEndpoint('keys'));
    const serving = fakeIo(dir);
    const done = runCommand(engine, { ...base, file: 'p.crucible.json' }, serving.io);
    await expect.poll(() => serving.stdout(), { timeout: 15_000 }).toContain('press Ctrl-C');
    expect(serving.stdout()).toContain(`serving api-endpoint bard at http://127.0.0.1:8421/v1 (OpenAI-compatible)\n${API_KEY_HINT}\n`);
    serving.interrupt();
    expect(await done).toBe(0);
  });

  it('gives the key hint only when an endpoint checks keys, and leaves other services\' addresses as they are', () => {
    const service = { id: 's', runId: 'r', node: 'n', startedAt: '', status: 'running' as const };
    expect(servingLines([
      { ...service, kind: 'deploy', name: 'bard' },
      { ...service, kind: 'api-endpoint', name: 'api', url: 'http://127.0.0.1:9000/', details: { auth: 'none' } },
    ])).toEqual(['serving deploy bard', 'serving api-endpoint api at http://127.0.0.1:9000/v1 (OpenAI-compatible)']);
  });
});
