import { describe, expect, it } from 'vitest';
import { fixtureRegistry } from '../testing/fixture-specs.ts';
import { readPipelineJson } from './document.ts';
import { MigrationError, migratePipelineFile } from './migrate.ts';
import { serializePipeline } from './serialize.ts';

/** The prototype's v0 shape: params, position tuples and link tuples. */
const v0File = {
  version: 0,
  name: 'old sample',
  nodes: [
    { id: 'src', type: 'test-source', params: { text: 'hi' }, position: [10, 20] },
    { id: 'enc', type: 'test-encode', params: { nEmbd: 64 } },
  ],
  links: [['src', 'corpus', 'enc', 'corpus']],
};

describe('pipeline migrations', () => {
  it('migrates the v0 example to a valid v1 pipeline', () => {
    const doc = readPipelineJson(v0File, fixtureRegistry());
    expect(doc.migratedFrom).toBe(0);
    expect(doc.problems).toEqual([]);
    expect(doc.pipeline).toMatchObject({
      format: 'crucible.pipeline',
      version: 1,
      name: 'old sample',
      nodes: [
        { id: 'src', type: 'test-source', typeVersion: 1, config: { text: 'hi' }, ui: { position: { x: 10, y: 20 } } },
        { id: 'enc', type: 'test-encode', typeVersion: 1, config: { nEmbd: 64 } },
      ],
      edges: [{ id: 'e1', from: { node: 'src', port: 'corpus' }, to: { node: 'enc', port: 'corpus' } }],
    });
    expect(serializePipeline(doc.pipeline!)).toContain('"version": 1');
  });

  it('treats a file without a version as v0 only when it has the v0 shape', () => {
    const { version: _ignored, ...noVersion } = v0File;
    expect(migratePipelineFile(noVersion).fromVersion).toBe(0);
    // Today's shape without its version would lose every config and edge as v0: refused, saying what to add.
    const current = { format: 'crucible.pipeline', name: 'x', nodes: [{ id: 'a', type: 'dataset', typeVersion: 1, config: { sources: [] } }], edges: [] };
    expect(() => migratePipelineFile(current)).toThrow(/"version" is missing; .* add "version": 1/);
    expect(() => migratePipelineFile({ nodes: [{ id: 'a', type: 'dataset', config: {} }] })).toThrow(/"version" is missing/);
  });

  it('leaves a current file alone', () => {
    const current = { format: 'crucible.pipeline', version: 1, name: 'x', nodes: [], edges: [] };
    expect(migratePipelineFile(current)).toEqual({ file: current, fromVersion: 1, steps: 0 });
  });

  it('refuses files from a newer Crucible with a clear message', () => {
    const doc = readPipelineJson({ format: 'crucible.pipeline', version: 7, name: 'x', nodes: [], edges: [] }, fixtureRegistry());
    expect(doc.problems).toEqual([{ node: null, code: 'unsupported_version', message: expect.stringMatching(/version 7, saved by a newer Crucible/) }]);
  });

  it('rejects malformed old files and foreign formats', () => {
    expect(() => migratePipelineFile({ version: 0, nodes: [], links: [['a', 'b']] })).toThrow(MigrationError);
    expect(() => migratePipelineFile({ format: 'comfy.workflow', version: 1 })).toThrow(/not a Crucible pipeline/);
    expect(() => migratePipelineFile([1, 2])).toThrow(/must be a JSON object/);
    expect(() => migratePipelineFile({ version: -1 })).toThrow(/whole number/);
  });
});
