import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { Engine } from '../../engine.ts';
import { createFixtures, fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { runCommand } from './run.ts';

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

async function setup(pipelineNodes: Parameters<typeof fixturePipeline>[0], edges: string[] = []) {
  const dir = tempDir();
  const fixtures = createFixtures();
  engine = await Engine.open({ dataDir: path.join(dir, 'data'), registry: fixtures.registry, runModules: fixtures.runModules });
  writeFileSync(path.join(dir, 'p.crucible.json'), serializePipeline(fixturePipeline(pipelineNodes, edges)));
  return { dir, engine };
}

const base = { targets: [], overrides: [], force: [], json: false };

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
    await new Promise((r) => setTimeout(r, 300));
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
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(returned).toBe(false);
    expect(serving.stdout()).toMatch(/serving fake bard at http:\/\/127.0.0.1:0\/bard/);
    expect(engine.listServices().filter((service) => service.status === 'running')).toHaveLength(1);
    serving.interrupt();
    expect(await done).toBe(0);

    const once = fakeIo(dir);
    expect(await runCommand(engine, { ...base, file: 'p.crucible.json', json: true, exit: true }, once.io)).toBe(0);
    expect(once.stdout()).not.toMatch(/"serving"/);
  });
});
