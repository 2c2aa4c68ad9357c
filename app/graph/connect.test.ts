import { describe, expect, it } from 'vitest';
import { fixtureRegistry } from '../testing/fixture-specs.ts';
import { z } from 'zod';
import { NodeRegistry } from '../nodes/registry.ts';
import { defineNodeSpec } from '../nodes/spec.ts';
import { checkConnection, type GraphSnapshot } from './connect.ts';

const relaySpec = defineNodeSpec({
  type: 'relay', title: 'Relay', category: 'Data', icon: 'x', summary: '', docs: '', version: 1,
  inputs: [{ name: 'in', type: 'Model', title: 'In', description: '', optional: true }],
  outputs: [{ name: 'out', type: 'Model', title: 'Out', description: '' }],
  config: z.strictObject({}),
});

const registry = fixtureRegistry();
const graph: GraphSnapshot = {
  nodes: [
    { id: 'src', type: 'test-source' },
    { id: 'src2', type: 'test-source' },
    { id: 'enc', type: 'test-encode' },
    { id: 'enc2', type: 'test-encode' },
    { id: 'train', type: 'test-train' },
    { id: 'serve', type: 'test-serve' },
  ],
  edges: [
    { id: 'e1', from: { node: 'src', port: 'corpus' }, to: { node: 'enc', port: 'corpus' } },
    { id: 'e2', from: { node: 'enc', port: 'tokens' }, to: { node: 'train', port: 'tokens' } },
    { id: 'e3', from: { node: 'train', port: 'model' }, to: { node: 'serve', port: 'models' } },
  ],
};
const check = (from: string, fromPort: string, to: string, toPort: string) => checkConnection(graph, registry, { node: from, port: fromPort }, { node: to, port: toPort });

describe('checkConnection', () => {
  it('allows matching types', () => {
    expect(check('src', 'corpus', 'enc2', 'corpus')).toEqual({ ok: true });
  });
  it('explains a type mismatch', () => {
    expect(check('train', 'model', 'enc2', 'corpus')).toEqual({ ok: false, code: 'port_type_mismatch', reason: 'Model cannot connect to Corpus: input "corpus" of Test encode takes Corpus' });
  });
  it('refuses a second edge into a single input', () => {
    expect(check('src', 'corpus', 'enc', 'corpus')).toEqual({ ok: true }); // the same edge again is harmless
    expect(check('src2', 'corpus', 'enc', 'corpus')).toMatchObject({ ok: false, code: 'input_already_connected', reason: expect.stringMatching(/^input already connected/) });
  });
  it('allows more edges into a multi input', () => {
    expect(check('train', 'model', 'serve', 'models')).toEqual({ ok: true });
  });
  it('refuses a cycle and names its path', () => {
    const loopRegistry = new NodeRegistry([relaySpec]);
    const g2: GraphSnapshot = {
      nodes: [{ id: 'a', type: 'relay' }, { id: 'b', type: 'relay' }, { id: 'c', type: 'relay' }],
      edges: [
        { id: 'x', from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } },
        { id: 'y', from: { node: 'b', port: 'out' }, to: { node: 'c', port: 'in' } },
      ],
    };
    expect(checkConnection(g2, loopRegistry, { node: 'c', port: 'out' }, { node: 'a', port: 'in' })).toEqual({ ok: false, code: 'cycle', reason: 'cycle: "a" → "b" → "c" → "a"' });
    expect(checkConnection(g2, loopRegistry, { node: 'a', port: 'out' }, { node: 'a', port: 'in' })).toMatchObject({ ok: false, code: 'cycle' });
  });
  it('names unknown ports and what exists', () => {
    expect(check('src', 'text', 'enc2', 'corpus')).toEqual({ ok: false, code: 'unknown_port', reason: 'Test source has no output "text" (it has "corpus")' });
  });
});
