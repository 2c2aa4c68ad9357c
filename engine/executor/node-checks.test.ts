// Node checks on this machine: through checkPipelineOnMachine (validate), the engine's validate, and a real run, where
// a refused dataset source fails the node before anything is read and a warning lands in the node's log.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../app/nodes/registry.ts';
import type { NodeRunModule } from '../../app/nodes/run-contract.ts';
import type { Pipeline } from '../../app/pipeline/schema.ts';
import { datasetRun } from '../../nodes/dataset/run.ts';
import { datasetSpec } from '../../nodes/dataset/spec.ts';
import { Engine } from '../engine.ts';
import { checkPipelineOnMachine } from './node-checks.ts';
import { fixturePipeline } from './testing/fixture-nodes.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-node-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const project = path.join(root, 'project');
const homeDir = path.join(root, 'home');
const dataDir = path.join(root, 'data');
const registry = new NodeRegistry([datasetSpec]);
const runModules = new Map<string, NodeRunModule>([['dataset', datasetRun as NodeRunModule]]);

function write(file: string, content = 'some text'): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

const datasets = (...sources: Record<string, unknown>[][]): Pipeline =>
  fixturePipeline(sources.map((list, index) => ({ id: `data${index}`, type: 'dataset', config: { sources: list, valFraction: 0 } })));

describe('checkPipelineOnMachine', () => {
  it('expands ~ to the home folder before judging, and names the node, the source and the expanded path', async () => {
    write(path.join(homeDir, 'corpus', 'a.txt'));
    const problems = await checkPipelineOnMachine(datasets([{ path: 'inside.txt' }, { path: '~/corpus/a.txt' }]), { registry, runModules, pipelineDir: project, dataDir, homeDir });
    expect(problems).toEqual([
      {
        node: 'data0',
        field: 'sources.1.path',
        code: 'source_outside_project',
        severity: 'warning',
        message: expect.stringContaining(`"${path.join(homeDir, 'corpus', 'a.txt')}" is outside the pipeline's folder`),
      },
    ]);
  });

  it('skips nodes that validate already reports: unknown types and invalid configs (a lexical secret path)', async () => {
    const pipeline = datasets([{ path: '~/.ssh/id_rsa' }], [{ path: '/elsewhere/a.txt' }]);
    pipeline.nodes.push({ id: 'ghost', type: 'mystery', typeVersion: 1, config: {} });
    const problems = await checkPipelineOnMachine(pipeline, { registry, runModules, pipelineDir: project, dataDir, homeDir });
    expect(problems.map((problem) => [problem.node, problem.code])).toEqual([['data1', 'source_outside_project']]);
  });

  it('refuses relative paths when the pipeline has no folder (opened in the browser), naming each one', async () => {
    const problems = await checkPipelineOnMachine(datasets([{ path: '/abs/a.txt' }, { path: 'data/corpus.txt' }, { path: '~/b.txt' }]), { registry, runModules, pipelineDir: null, dataDir, homeDir });
    expect(problems).toEqual([{ node: 'data0', field: 'sources.1.path', code: 'relative_path_without_folder', message: expect.stringMatching(/"data\/corpus\.txt" is a relative path, but this pipeline has no folder/) }]);
  });

  it('turns a check that throws into an error, since nothing could be verified', async () => {
    const broken: NodeRunModule = { ...(datasetRun as NodeRunModule), check: () => Promise.reject(new Error('disk on fire')) };
    const problems = await checkPipelineOnMachine(datasets([{ path: 'a.txt' }]), { registry, runModules: new Map([['dataset', broken]]), pipelineDir: project, dataDir });
    expect(problems).toEqual([{ node: 'data0', field: '', code: 'check_failed', message: expect.stringContaining('disk on fire') }]);
  });
});

describe('the engine', () => {
  let engine: Engine | undefined;
  afterEach(async () => engine?.close());

  it('validate: warnings keep a pipeline valid, a source linked into /proc makes it invalid', async () => {
    engine = await Engine.open({ dataDir, registry, runModules });
    const pipelinePath = path.join(project, 'p.crucible.json');
    const outside = write(path.join(root, 'elsewhere', 'notes.txt'));
    const warned = await engine.validate(datasets([{ path: outside }]), pipelinePath);
    expect(warned).toMatchObject({ valid: true, problems: [{ node: 'data0', code: 'source_outside_project', severity: 'warning' }] });

    mkdirSync(project, { recursive: true });
    symlinkSync('/proc/self/environ', path.join(project, 'environment.txt'));
    const refused = await engine.validate(datasets([{ path: 'environment.txt' }]), pipelinePath);
    expect(refused).toMatchObject({ valid: false, problems: [{ node: 'data0', field: 'sources.0.path', code: 'secret_source' }] });
  });

  it('a run fails a node whose source leads into a secret location, and logs a warning for one outside', async () => {
    engine = await Engine.open({ dataDir, registry, runModules });
    const pipelinePath = path.join(project, 'p.crucible.json');
    const key = write(path.join(root, 'elsewhere', '.ssh', 'id_ed25519'), 'PRIVATE KEY');
    symlinkSync(key, path.join(project, 'notes.txt'));
    const outside = write(path.join(root, 'elsewhere', 'story.txt'), 'once upon a time');
    const { runId } = engine.startRun({ pipeline: datasets([{ path: 'notes.txt' }], [{ path: outside }]), pipelinePath });
    const finished = await engine.finished(runId)!;

    expect(finished.nodes.data0).toMatchObject({ state: 'failed', error: { message: expect.stringMatching(/^node "data0" refused to run: config\.sources\.0\.path: "[^"]*notes\.txt" leads \(through a symbolic link\) to "[^"]*id_ed25519", which is in \.ssh/) } });
    expect(finished.nodes.data1).toMatchObject({ state: 'succeeded' });
    const logs = engine.logs(runId, { node: 'data1' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', line: expect.stringMatching(/^warning: config\.sources\.0\.path: ".*story\.txt" is outside the pipeline's folder/) }));
  });
});
