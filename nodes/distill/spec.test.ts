// The distill node's graph rules: teacher and student tokens must descend from one tokenizer node (traced through
// pretrain, distill and quantize), and the student's config fields default as the issue specifies.
import { describe, expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { builtInRegistry } from '../specs.ts';
import { pipelineOf, type EdgeDef } from '../testing/pipeline-of.ts';
import { distillConfig } from './spec.ts';

const pipeline = (nodes: [id: string, type: string][], edges: EdgeDef[], configs: Record<string, Record<string, unknown>> = {}) =>
  pipelineOf('distill lineage', nodes, edges, (id, type) => configs[id] ?? (type === 'dataset' ? { sources: [{ path: 'a.txt' }] } : undefined));

const NODES: [string, string][] = [['data', 'dataset'], ['tokA', 'tokenizer'], ['tokB', 'tokenizer'], ['teacher', 'pretrain'], ['q', 'quantize'], ['student', 'distill']];
const UPSTREAM: EdgeDef[] = [['data', 'corpus', 'tokA', 'corpus'], ['data', 'corpus', 'tokB', 'corpus'], ['tokA', 'tokens', 'teacher', 'tokens'], ['teacher', 'model', 'q', 'model']];

describe('distill tokenizer lineage', () => {
  it('accepts a teacher and tokens from the same tokenizer, through a quantize in between', () => {
    const graph = pipeline(NODES, [...UPSTREAM, ['q', 'model', 'student', 'teacher'], ['tokA', 'tokens', 'student', 'tokens']]);
    expect(validate(graph, builtInRegistry())).toEqual([]);
  });

  it('refuses tokens from another tokenizer node, naming both', () => {
    const graph = pipeline(NODES, [...UPSTREAM, ['q', 'model', 'student', 'teacher'], ['tokB', 'tokens', 'student', 'tokens']]);
    expect(validate(graph, builtInRegistry())).toEqual([
      {
        node: 'student',
        port: 'tokens',
        code: 'tokenizer_mismatch',
        message: '"teacher" comes from tokenizer "tokA" but "tokens" comes from tokenizer "tokB"; they must share the tokenizer, so connect both to "tokA"',
      },
    ]);
  });

  it('stays quiet while an input is unconnected (that is a missing input, reported once)', () => {
    const graph = pipeline(NODES, [...UPSTREAM, ['tokB', 'tokens', 'student', 'tokens']]);
    expect(validate(graph, builtInRegistry()).map((problem) => problem.code)).toEqual(['required_input_missing']);
  });
});

describe('distill config', () => {
  it("defaults to the DistilGPT2 recipe with the teacher's context", () => {
    expect(distillConfig.parse({})).toMatchObject({ nLayer: 4, nHead: 4, nEmbd: 128, temperature: 2, alpha: 0.5, initFromTeacher: true, dropout: 0, bias: true });
    expect(distillConfig.parse({}).blockSize).toBeUndefined();
  });
});

describe('initFromTeacher warnings', () => {
  const edges: EdgeDef[] = [...UPSTREAM, ['q', 'model', 'student', 'teacher'], ['tokA', 'tokens', 'student', 'tokens']];
  const warningsOf = (configs: Record<string, Record<string, unknown>>) => validate(pipeline(NODES, edges, configs), builtInRegistry());

  it('warns, through a quantize, when the widths differ, and says what to set', () => {
    const problems = warningsOf({ teacher: { nEmbd: 256, nHead: 4 }, student: { nEmbd: 128 } });
    expect(problems).toEqual([
      expect.objectContaining({ node: 'student', field: 'initFromTeacher', code: 'teacher_init_skipped', severity: 'warning', message: expect.stringContaining('nEmbd 128) differs from teacher "teacher"\'s (256)') }),
    ]);
    expect(problems[0]!.message).toContain('Set nEmbd to 256');
  });

  it('warns when the student is deeper than the teacher', () => {
    expect(warningsOf({ teacher: { nLayer: 2 }, student: { nLayer: 4 } })).toEqual([expect.objectContaining({ code: 'teacher_init_skipped', message: expect.stringContaining('more layers (4) than teacher "teacher" (2)') })]);
  });

  it('stays quiet when the shapes fit or the student does not ask for the teacher\'s weights', () => {
    expect(warningsOf({ teacher: { nLayer: 6 }, student: { nLayer: 3 } })).toEqual([]);
    expect(warningsOf({ teacher: { nEmbd: 256 }, student: { initFromTeacher: false } })).toEqual([]);
  });
});
