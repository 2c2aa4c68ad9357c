import { describe, expect, it } from 'vitest';
import { readPipelineJson, readPipelineText } from './document.ts';
import { serializePipeline } from './serialize.ts';
import { fixtureRegistry } from '../testing/fixture-specs.ts';
import { emptyPipeline, pipelineSchema, type Pipeline } from './schema.ts';

const registry = fixtureRegistry();

function samplePipeline(): Pipeline {
  return pipelineSchema.parse({
    $schema: '../schema/pipeline-v1.json',
    format: 'crucible.pipeline',
    version: 1,
    name: 'sample',
    description: 'two nodes',
    nodes: [
      { id: 'src', type: 'test-source', typeVersion: 2, config: { text: 'hi', repeat: 2 }, ui: { position: { x: 0, y: 0 } } },
      { id: 'enc', type: 'test-encode', typeVersion: 1, config: {}, ui: { position: { x: 240, y: 0 }, collapsed: true } },
    ],
    edges: [{ id: 'e1', from: { node: 'src', port: 'corpus' }, to: { node: 'enc', port: 'corpus' } }],
  });
}

describe('pipeline schema and serialization', () => {
  it('round-trips through text with identical bytes', () => {
    const text = serializePipeline(samplePipeline());
    const doc = readPipelineText(text, registry);
    expect(doc.problems).toEqual([]);
    expect(serializePipeline(doc.pipeline!)).toBe(text);
  });

  it('writes sorted keys, 2-space indent and a final newline', () => {
    const text = serializePipeline(samplePipeline());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "$schema": "../schema/pipeline-v1.json",');
    const topKeys = Object.keys(JSON.parse(text));
    expect(topKeys).toEqual([...topKeys].sort());
    expect(text.indexOf('"repeat"')).toBeLessThan(text.indexOf('"text"'));
  });

  it('keeps node and edge order as authored, whatever the key order of the input', () => {
    const a = samplePipeline();
    const shuffled = JSON.parse(JSON.stringify(a), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(serializePipeline(pipelineSchema.parse(shuffled))).toBe(serializePipeline(a));
    expect(JSON.parse(serializePipeline(a)).nodes.map((n: { id: string }) => n.id)).toEqual(['src', 'enc']);
  });

  it('refuses to save a value that looks like an API key', () => {
    const p = samplePipeline();
    p.nodes[0]!.config.text = 'sk-abcdefghijklmnopqrstuvwxyz012345';
    expect(() => serializePipeline(p)).toThrow(/looks like an API key/);
    expect(readPipelineJson(p, registry).problems.map((x) => x.code)).toContain('secret_in_file');
  });

  it('an empty pipeline is valid', () => {
    expect(readPipelineJson(emptyPipeline(), registry).problems).toEqual([]);
  });

  it('reports JSON syntax errors with line and column', () => {
    const doc = readPipelineText('{\n  "format": "crucible.pipeline",\n  "version": 1,\n  "name": }\n', registry);
    expect(doc.unreadable).toBe(true);
    expect(doc.problems[0]!.message).toMatch(/line 4, column 11/);
  });

  it('reports a missing comma at the right place', () => {
    const doc = readPipelineText('{"a": 1\n "b": 2}', registry);
    expect(doc.problems[0]!.message).toMatch(/line 2, column 2/);
  });

  it('names the node for shape problems inside a node', () => {
    const raw = JSON.parse(serializePipeline(samplePipeline()));
    raw.nodes[1].typeVersion = 'one';
    raw.nodes[1].extra = true;
    const doc = readPipelineJson(raw, registry);
    expect(doc.pipeline).toBeNull();
    expect(doc.problems).toEqual([
      { node: 'enc', code: 'invalid_file', message: 'typeVersion: "one" must be a number' },
      { node: 'enc', code: 'invalid_file', message: 'unknown field "extra"' },
    ]);
  });
});
