// Engine.startRun: a run is read, validated and planned once before the executor gets its plan; refusals come
// before the run exists in history.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Engine } from './engine.ts';
import { PipelineInvalidError, RunRequestError } from './executor/run-errors.ts';
import { createFixtures, fixturePipeline, readArtifactText } from './executor/testing/fixture-nodes.ts';

let dataDir: string;
let engine: Engine;
const fixtures = createFixtures();
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-engine-'));
  engine = await Engine.open({ dataDir, registry: fixtures.registry, runModules: fixtures.runModules });
});
afterEach(async () => {
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const pipeline = () => fixturePipeline([{ id: 'src', type: 'source', config: { text: 'abc' } }, { id: 'up', type: 'upper' }], ['src.text->up.text']);

it('parses each node config once for a run, overrides included, and stores the run under its id', async () => {
  const sourceParse = vi.spyOn(fixtures.registry.get('source')!.config, 'safeParse');
  const upperParse = vi.spyOn(fixtures.registry.get('upper')!.config, 'safeParse');
  const { runId } = engine.startRun({ pipeline: pipeline(), pipelinePath: null, overrides: [{ node: 'up', field: 'suffix', value: '!' }] });
  const finished = await engine.finished(runId)!;

  expect(runId).toMatch(/^run-\d{8}T\d{6}-[0-9a-f]{6}$/);
  expect(finished.status).toBe('succeeded');
  expect(await readArtifactText(finished.nodes.up!.artifact!)).toBe('ABC!');
  expect(sourceParse).toHaveBeenCalledTimes(1);
  expect(upperParse).toHaveBeenCalledTimes(1);
  expect(engine.getRun(runId)?.run).toMatchObject({ id: runId, targets: ['src', 'up'] });
});

it('refuses a broken file, invalid needed nodes and unknown targets before the run exists', () => {
  const broken = { ...pipeline(), nodes: 'none' };
  expect(() => engine.startRun({ pipeline: broken, pipelinePath: null })).toThrow(PipelineInvalidError);
  const invalid = pipeline();
  invalid.nodes[1]!.config = { suffix: 3 };
  try {
    engine.startRun({ pipeline: invalid, pipelinePath: null });
    expect.unreachable('startRun should have thrown');
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineInvalidError);
    expect((error as PipelineInvalidError).problems).toEqual([expect.objectContaining({ node: 'up', field: 'suffix', code: 'config_invalid' })]);
  }
  expect(() => engine.startRun({ pipeline: invalid, pipelinePath: null, targets: ['src'] })).not.toThrow();
  expect(() => engine.startRun({ pipeline: pipeline(), pipelinePath: null, targets: ['zz'] })).toThrow(RunRequestError);
  expect(engine.listRuns()).toHaveLength(1);
});
