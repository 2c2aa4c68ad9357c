// Run-time config overrides: dot paths, array indexes, a fresh copy, and clear refusals (prototype paths included).
import { expect, it } from 'vitest';
import { applyOverrides } from './overrides.ts';
import { fixturePipeline } from './testing/fixture-nodes.ts';

const pipeline = () => fixturePipeline([{ id: 'p', type: 'pretrain', config: { nEmbd: 64, optimizer: { lr: 0.1 }, sources: [{ path: 'a' }] } }]);

it('sets top-level, nested and array fields, creating missing objects', () => {
  const original = pipeline();
  const changed = applyOverrides(original, [
    { node: 'p', field: 'nEmbd', value: 128 },
    { node: 'p', field: 'optimizer.lr', value: 0.01 },
    { node: 'p', field: 'sources.0.path', value: 'b' },
    { node: 'p', field: 'schedule.warmup.steps', value: 10 },
  ]);
  expect(changed.nodes[0]!.config).toEqual({ nEmbd: 128, optimizer: { lr: 0.01 }, sources: [{ path: 'b' }], schedule: { warmup: { steps: 10 } } });
  expect(original.nodes[0]!.config).toEqual(pipeline().nodes[0]!.config);
});

it('refuses unknown nodes, empty path segments and paths through plain values', () => {
  expect(() => applyOverrides(pipeline(), [{ node: 'x', field: 'a', value: 1 }])).toThrow('override x.a: there is no node "x" in the pipeline');
  expect(() => applyOverrides(pipeline(), [{ node: 'p', field: 'a..b', value: 1 }])).toThrow(/not a valid field path/);
  expect(() => applyOverrides(pipeline(), [{ node: 'p', field: 'nEmbd.x', value: 1 }])).toThrow('override p.nEmbd.x: "nEmbd" holds 64, not an object, so it has no field "x"');
});

it('refuses paths that would reach past the config into every object (__proto__, constructor, prototype)', () => {
  for (const field of ['__proto__.polluted', 'constructor.prototype.polluted', 'optimizer.__proto__.polluted', 'prototype']) {
    expect(() => applyOverrides(pipeline(), [{ node: 'p', field, value: true }])).toThrow(/not a valid field path/);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(() => applyOverrides(pipeline(), [{ node: 'p', field: 'a b', value: 1 }])).toThrow(/not a valid field path/);
});

it('refuses a name or an index far past the end where the field is a list', () => {
  expect(() => applyOverrides(pipeline(), [{ node: 'p', field: 'sources.first.path', value: 'x' }])).toThrow('override p.sources.first.path: this field is a list and "first" is not an index; use an index from 0 to 1, like "sources.0.path"');
  expect(() => applyOverrides(pipeline(), [{ node: 'p', field: 'sources.4000000000.path', value: 'x' }])).toThrow(/index 4000000000 is past its end \(it has 1 item\)/);
  // One past the end adds an item.
  expect(applyOverrides(pipeline(), [{ node: 'p', field: 'sources.1.path', value: 'b' }]).nodes[0]!.config.sources).toEqual([{ path: 'a' }, { path: 'b' }]);
});
