// `crucible logs`: a past run's node logs in order, "last" for the newest run, filtered by node and level, as text or
// NDJSON, and clear failures for an unknown run or node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { Engine } from '../../engine.ts';
import { createFixtures, fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { EXIT, UsageError } from '../io.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { logsCommand } from './logs.ts';
import { runCommand } from './run.ts';

let engine: Engine | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await engine?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crucible-logs-'));
  dirs.push(dir);
  return dir;
}

const fakeIo = (cwd: string) => capturedIo({ cwd });

describe('crucible logs', () => {
  it('prints the newest run’s log lines in order, by node and level, as text or NDJSON', async () => {
    const dir = tempDir();
    const fixtures = createFixtures();
    engine = await Engine.open({ dataDir: path.join(dir, 'data'), registry: fixtures.registry, runModules: fixtures.runModules });
    writeFileSync(path.join(dir, 'p.crucible.json'), serializePipeline(fixturePipeline([{ id: 'a', type: 'source' }, { id: 's', type: 'slow', config: { durationMs: 60, chunkMs: 20 } }])));
    expect(await runCommand(engine, { file: 'p.crucible.json', targets: [], overrides: [], force: [], json: false }, fakeIo(dir).io)).toBe(EXIT.ok);

    const all = fakeIo(dir);
    expect(logsCommand(engine, { run: 'last', node: 's', level: undefined, json: false }, all.io)).toBe(EXIT.ok);
    const lines = all.stdout().trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, index) => expect(line).toMatch(new RegExp(`^\\d{2}:\\d{2}:\\d{2}  s  chunk ${index}$`)));

    const runId = engine.listRuns({ limit: 1 })[0]!.id;
    const json = fakeIo(dir);
    expect(logsCommand(engine, { run: runId, node: 's', level: 'info', json: true }, json.io)).toBe(EXIT.ok);
    expect(json.stdout().trim().split('\n').map((line) => JSON.parse(line) as { node: string; level: string; line: string })).toEqual([0, 1, 2].map((index) => expect.objectContaining({ node: 's', level: 'info', line: `chunk ${index}` })));

    const warnings = fakeIo(dir);
    expect(logsCommand(engine, { run: runId, node: 's', level: 'warn', json: false }, warnings.io)).toBe(EXIT.ok);
    expect(warnings.stdout()).toBe('');
    expect(warnings.stderr()).toContain('has no log lines from node "s" at level warn or above');

    expect(await runCommand(engine, { file: 'p.crucible.json', targets: [], overrides: [], force: [], json: false }, fakeIo(dir).io)).toBe(EXIT.ok);
    const cached = fakeIo(dir);
    expect(logsCommand(engine, { run: 'last', node: 's', level: undefined, json: false }, cached.io)).toBe(EXIT.ok);
    expect(cached.stderr()).toContain('node "s" came from the cache in this run, so its logs are in the earlier run that made it');

    const unknownNode = fakeIo(dir);
    expect(logsCommand(engine, { run: runId, node: 'zzz', level: undefined, json: false }, unknownNode.io)).toBe(EXIT.failed);
    expect(unknownNode.stderr()).toContain('has no node "zzz"; its nodes are a, s');
    const unknownRun = fakeIo(dir);
    expect(logsCommand(engine, { run: 'run-nope', node: undefined, level: undefined, json: false }, unknownRun.io)).toBe(EXIT.failed);
    expect(unknownRun.stderr()).toContain('no run "run-nope"; see "crucible runs"');
    expect(() => logsCommand(engine!, { run: runId, node: undefined, level: 'loud', json: false }, fakeIo(dir).io)).toThrow(UsageError);
  });

  it('says so when there are no runs yet', async () => {
    const dir = tempDir();
    engine = await Engine.open({ dataDir: path.join(dir, 'data'), runModules: new Map() });
    const io = fakeIo(dir);
    expect(logsCommand(engine, { run: 'last', node: undefined, level: undefined, json: false }, io.io)).toBe(EXIT.failed);
    expect(io.stderr()).toContain('there are no runs yet');
  });
});
