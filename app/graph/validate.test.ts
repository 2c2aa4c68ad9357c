import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NodeRegistry } from '../nodes/registry.ts';
import { defineNodeSpec } from '../nodes/spec.ts';
import { pipelineSchema, type Pipeline } from '../pipeline/schema.ts';
import { fixtureRegistry, sourceSpec } from '../testing/fixture-specs.ts';
import { formatProblem } from './problems.ts';
import { validate } from './validate.ts';

const registry = fixtureRegistry();

type NodeDef = [id: string, type: string, config?: Record<string, unknown>];
type EdgeDef = [from: string, fromPort: string, to: string, toPort: string];

function pipeline(nodes: NodeDef[], edges: EdgeDef[]): Pipeline {
  return pipelineSchema.parse({
    format: 'crucible.pipeline',
    version: 1,
    name: 't',
    nodes: nodes.map(([id, type, config]) => ({ id, type, typeVersion: 1, config: config ?? {} })),
    edges: edges.map(([from, fromPort, to, toPort], i) => ({ id: `e${i}`, from: { node: from, port: fromPort }, to: { node: to, port: toPort } })),
  });
}

const chain = (): Pipeline =>
  pipeline(
    [['src', 'test-source'], ['enc', 'test-encode'], ['train', 'test-train']],
    [['src', 'corpus', 'enc', 'corpus'], ['enc', 'tokens', 'train', 'tokens']],
  );

describe('validate', () => {
  it('accepts a valid chain', () => {
    expect(validate(chain(), registry)).toEqual([]);
  });

  it('keeps an unknown node type as a placeholder, and its neighbours stay quiet', () => {
    const p = pipeline(
      [['src', 'mystery'], ['enc', 'test-encode'], ['train', 'test-train']],
      [['src', 'corpus', 'enc', 'corpus'], ['enc', 'tokens', 'train', 'tokens']],
    );
    const known = registry.list().map((spec) => spec.type).join(', ');
    expect(validate(p, registry)).toEqual([
      { node: 'src', code: 'unknown_node_type', message: `unknown node type "mystery"; the known types are ${known}. It is kept as a placeholder: correct the type, or delete the node` },
    ]);
  });

  it('suggests the known type a misspelt one most likely meant, and no plugin', () => {
    const [problem] = validate(pipeline([['src', 'test-sorce']], []), registry);
    expect(problem?.message).toBe('unknown node type "test-sorce"; did you mean "test-source"? It is kept as a placeholder: correct the type, or delete the node');
    expect(problem?.message).not.toMatch(/plugin/i);
  });

  it('reports a missing required input', () => {
    const p = pipeline([['enc', 'test-encode']], []);
    expect(validate(p, registry)).toEqual([{ node: 'enc', port: 'corpus', code: 'required_input_missing', message: expect.stringContaining('input "corpus" (Corpus) is not connected') }]);
  });

  it('reports a port type mismatch once, not also as a missing input', () => {
    const p = pipeline([['src', 'test-source'], ['train', 'test-train']], [['src', 'corpus', 'train', 'tokens']]);
    const problems = validate(p, registry);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ node: 'train', port: 'tokens', code: 'port_type_mismatch', message: expect.stringContaining('Corpus cannot connect to Tokens') });
  });

  it('names the nodes of a cycle', () => {
    const p = pipeline(
      [['a', 'test-relay'], ['b', 'test-relay']],
      [['a', 'model', 'b', 'model'], ['b', 'model', 'a', 'model']],
    );
    const problems = validate(p, registry);
    expect(problems.map((x) => x.code)).toEqual(['cycle']);
    expect(problems[0]!.message).toMatch(/cycle: "a" → "b" → "a"/);
  });

  it('reports a loop made only through a broken edge once, as the broken edge', () => {
    const p = pipeline(
      [['a', 'test-encode'], ['b', 'test-encode']],
      [['a', 'tokens', 'b', 'corpus'], ['b', 'tokens', 'a', 'corpus']],
    );
    expect(validate(p, registry).map((x) => x.code)).toEqual(['port_type_mismatch', 'port_type_mismatch']);
  });

  it('reports config violations with the field path and the reason', () => {
    const p = chain();
    p.nodes[1]!.config = { nEmbd: 130, nHead: 4 };
    p.nodes[0]!.config = { repeat: 1000, bogus: 1 };
    const lines = validate(p, registry).map(formatProblem);
    expect(lines).toEqual([
      'node "src": config.repeat: 1000 is too big: must be at most 100',
      'node "src": config: unknown field "bogus"',
      'node "enc": config.nEmbd: 130 must be divisible by nHead (4)',
    ]);
  });

  it('reports duplicate node and edge ids', () => {
    const p = chain();
    p.nodes.push({ ...p.nodes[2]! });
    p.edges.push({ ...p.edges[0]! });
    const codes = validate(p, registry).filter((x) => x.code === 'duplicate_id');
    expect(codes.map((x) => x.node ?? x.edge)).toEqual(['train', 'e0']);
  });

  it('reports edges to missing nodes and ports', () => {
    const p = chain();
    p.edges.push({ id: 'ghost', from: { node: 'nobody', port: 'corpus' }, to: { node: 'enc', port: 'corpus' } });
    p.edges.push({ id: 'badport', from: { node: 'src', port: 'text' }, to: { node: 'train', port: 'tokens' } });
    const problems = validate(p, registry);
    expect(problems.map((x) => x.code)).toEqual(['edge_missing_node', 'edge_missing_port']);
    expect(problems[1]!.message).toContain('Test source has no output "text"');
  });

  it('reports a second edge into a single input', () => {
    const p = pipeline(
      [['s1', 'test-source'], ['s2', 'test-source'], ['enc', 'test-encode']],
      [['s1', 'corpus', 'enc', 'corpus'], ['s2', 'corpus', 'enc', 'corpus']],
    );
    expect(validate(p, registry)).toEqual([expect.objectContaining({ node: 'enc', code: 'input_already_connected' })]);
  });

  it('accepts several edges into a multi input', () => {
    const p = pipeline(
      [['src', 'test-source'], ['enc', 'test-encode'], ['t1', 'test-train'], ['t2', 'test-train'], ['serve', 'test-serve']],
      [['src', 'corpus', 'enc', 'corpus'], ['enc', 'tokens', 't1', 'tokens'], ['enc', 'tokens', 't2', 'tokens'], ['t1', 'model', 'serve', 'models'], ['t2', 'model', 'serve', 'models']],
    );
    expect(validate(p, registry)).toEqual([]);
  });

  it('reports an edge that repeats another, into a single input and into a multi input', () => {
    const single = pipeline([['src', 'test-source'], ['enc', 'test-encode']], [['src', 'corpus', 'enc', 'corpus'], ['src', 'corpus', 'enc', 'corpus']]);
    expect(validate(single, registry)).toEqual([expect.objectContaining({ edge: 'e1', code: 'duplicate_id', message: 'edge "e1" repeats edge "e0" (the same output to the same input); delete it' })]);
    const multi = pipeline(
      [['src', 'test-source'], ['enc', 'test-encode'], ['t1', 'test-train'], ['serve', 'test-serve']],
      [['src', 'corpus', 'enc', 'corpus'], ['enc', 'tokens', 't1', 'tokens'], ['t1', 'model', 'serve', 'models'], ['t1', 'model', 'serve', 'models']],
    );
    expect(validate(multi, registry)).toEqual([expect.objectContaining({ edge: 'e3', code: 'duplicate_id' })]);
  });

  it('refuses node versions from a newer Crucible', () => {
    const p = chain();
    p.nodes[2]!.typeVersion = 9;
    expect(validate(p, registry)).toEqual([expect.objectContaining({ node: 'train', code: 'unsupported_type_version' })]);
  });

  it('gives a downstream node no problems of its own when only its upstream is broken', () => {
    const p = chain();
    p.nodes[0]!.config = { repeat: -5 };
    expect(validate(p, registry).map((x) => x.node)).toEqual(['src']);
  });

  it('keeps the code a spec check gives its problem, e.g. a refused secret source', () => {
    const guarded = defineNodeSpec({
      ...sourceSpec,
      type: 'test-guarded',
      config: z.strictObject({ path: z.string().default('') }),
      facts: undefined,
      memoryEstimate: undefined,
      checkConfig: (config) => (config.path.includes('.ssh') ? [{ field: 'path', code: 'secret_source', message: 'is in .ssh' }] : []),
    });
    const p = pipeline([['g', 'test-guarded', { path: '~/.ssh/id_rsa' }]], []);
    expect(validate(p, new NodeRegistry([guarded]))).toEqual([{ node: 'g', field: 'path', code: 'secret_source', message: 'is in .ssh' }]);
  });
});

describe('formatProblem', () => {
  it('starts a warning with "warning: " and leaves errors as they were', () => {
    const problem = { node: 'data', field: 'sources.0.path', code: 'source_outside_project' as const, message: '"/etc/passwd" is outside' };
    expect(formatProblem(problem)).toBe('node "data": config.sources.0.path: "/etc/passwd" is outside');
    expect(formatProblem({ ...problem, severity: 'warning' })).toBe('warning: node "data": config.sources.0.path: "/etc/passwd" is outside');
  });
});
