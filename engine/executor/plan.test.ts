// planRun: targets and their upstream closure, overrides, force propagation, path fields, refusals, and each config
// parsed once.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { planRun } from './plan.ts';
import { PipelineInvalidError, RunRequestError } from './run-errors.ts';
import { createFixtures, fixturePipeline } from './testing/fixture-nodes.ts';

const { registry } = createFixtures();
const diamond = () =>
  fixturePipeline(
    [{ id: 'a', type: 'source' }, { id: 'b', type: 'upper' }, { id: 'c', type: 'upper' }, { id: 'd', type: 'concat' }, { id: 'x', type: 'source' }],
    ['a.text->b.text', 'a.text->c.text', 'b.text->d.parts', 'c.text->d.parts'],
  );

describe('planRun', () => {
  it('plans every node upstream first by default, with inputs grouped per port in edge order', () => {
    const plan = planRun({ pipeline: diamond(), registry, pipelineDir: null });
    expect(plan.order).toEqual(['a', 'x', 'b', 'c', 'd']);
    expect(plan.nodes.get('d')!.inputs).toEqual({ parts: [{ node: 'b', port: 'text' }, { node: 'c', port: 'text' }] });
    expect(plan.nodes.get('d')!.upstream).toEqual(['b', 'c']);
    expect(plan.nodes.get('a')!.config).toEqual({ text: 'hello', delayMs: 0, shape: { width: 1, depth: 1 } });
  });

  it('keeps only the upstream closure of the targets', () => {
    expect(planRun({ pipeline: diamond(), registry, pipelineDir: null, targets: ['b'] }).order).toEqual(['a', 'b']);
  });

  it('applies overrides to a copy, at dot paths', () => {
    const pipeline = diamond();
    const plan = planRun({ pipeline, registry, pipelineDir: null, overrides: [{ node: 'a', field: 'shape.width', value: 7 }] });
    expect(plan.nodes.get('a')!.config.shape).toEqual({ width: 7, depth: 1 });
    expect(pipeline.nodes[0]!.config).toEqual({});
  });

  it('forces the named node and, naming it, everything downstream of it', () => {
    const plan = planRun({ pipeline: diamond(), registry, pipelineDir: null, force: ['b'] });
    expect(Object.fromEntries([...plan.nodes].map(([id, node]) => [id, node.forceReason]))).toEqual({
      a: null, x: null, b: 'forced', c: null, d: 'upstream "b" was forced',
    });
  });

  it('resolves path fields against the pipeline folder, which the plan carries for the node runs', () => {
    const pipeline = fixturePipeline([{ id: 'f', type: 'file-source', config: { file: 'data/in.txt' } }]);
    const plan = planRun({ pipeline, registry, pipelineDir: '/projects/demo' });
    expect(plan.nodes.get('f')!.config.file).toBe('/projects/demo/data/in.txt');
    expect(plan.pipelineDir).toBe('/projects/demo');
    // Without a folder (a pipeline opened in the browser) a relative path has nothing to start from: refused, never
    // read from the engine's own working folder.
    expect(() => planRun({ pipeline, registry, pipelineDir: null })).toThrow(/node "f": config\.file: "data\/in\.txt" is a relative path, but this pipeline has no folder/);
    const absolute = fixturePipeline([{ id: 'f', type: 'file-source', config: { file: '/data/in.txt' } }]);
    expect(planRun({ pipeline: absolute, registry, pipelineDir: null }).nodes.get('f')!.config.file).toBe('/data/in.txt');
  });

  it('parses each config once: validation parses it and the plan keeps that result', () => {
    const { registry: counted } = createFixtures();
    const parse = vi.spyOn(counted.get('upper')!.config, 'safeParse');
    const plan = planRun({ pipeline: diamond(), registry: counted, pipelineDir: null, overrides: [{ node: 'b', field: 'suffix', value: '!' }] });
    expect(parse).toHaveBeenCalledTimes(2);
    expect(plan.nodes.get('b')!.config).toEqual({ suffix: '!' });
    expect(plan.nodes.get('c')!.config).toEqual({ suffix: '' });
  });

  it('refuses invalid needed nodes with structured problems, ignoring problems elsewhere', () => {
    const pipeline = diamond();
    pipeline.nodes.push({ id: 'bad', type: 'upper', typeVersion: 1, config: { suffix: 3 } });
    expect(() => planRun({ pipeline, registry, pipelineDir: null, targets: ['d'] })).not.toThrow();
    try {
      planRun({ pipeline, registry, pipelineDir: null, overrides: [{ node: 'a', field: 'delayMs', value: 'soon' }] });
      expect.unreachable('planRun should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(PipelineInvalidError);
      const problems = (error as PipelineInvalidError).problems;
      expect(problems.map((p) => `${p.node}:${p.field ?? p.port}:${p.code}`).sort()).toEqual(['a:delayMs:config_invalid', 'bad:suffix:config_invalid', 'bad:text:required_input_missing']);
      expect((error as Error).message).toContain('node "a": config.delayMs:');
    }
  });

  it('carries the warnings of the needed nodes, overrides applied, and runs regardless', () => {
    const { registry: warning } = createFixtures();
    warning.register(defineNodeSpec({
      type: 'warned', title: 'Warned', category: 'Data', summary: 'fixture', docs: 'fixture', icon: 'box', version: 1, inputs: [], outputs: [],
      config: z.object({ warmupSteps: z.number().default(1).describe('Warmup'), maxSteps: z.number().default(10).describe('Steps') }),
      checkConfig: (config) => (config.warmupSteps >= config.maxSteps ? [{ field: 'warmupSteps', code: 'schedule_never_decays', severity: 'warning', message: 'warmup covers the whole run' }] : []),
    }));
    const pipeline = fixturePipeline([{ id: 'w', type: 'warned' }, { id: 'elsewhere', type: 'warned', config: { maxSteps: 1 } }]);
    expect(planRun({ pipeline, registry: warning, pipelineDir: null, targets: ['w'] }).warnings).toEqual([]);
    const plan = planRun({ pipeline, registry: warning, pipelineDir: null, targets: ['w'], overrides: [{ node: 'w', field: 'maxSteps', value: 1 }] });
    expect(plan.order).toEqual(['w']);
    expect(plan.warnings).toEqual([{ node: 'w', field: 'warmupSteps', code: 'schedule_never_decays', severity: 'warning', message: 'warmup covers the whole run' }]);
    expect(planRun({ pipeline, registry: warning, pipelineDir: null }).warnings.map((problem) => problem.node)).toEqual(['elsewhere']);
  });

  it('names unknown targets, forced nodes and override nodes', () => {
    expect(() => planRun({ pipeline: diamond(), registry, pipelineDir: null, targets: ['zz'] })).toThrow(/unknown target "zz": the pipeline has no such node \(its nodes: "a", "b"/);
    expect(() => planRun({ pipeline: diamond(), registry, pipelineDir: null, force: ['q'] })).toThrow(RunRequestError);
    expect(() => planRun({ pipeline: diamond(), registry, pipelineDir: null, overrides: [{ node: 'q', field: 'a', value: 1 }] })).toThrow(/no node "q"/);
  });
});
