// `crucible node-types` lists every registered spec (the catalogue is derived from nodes/specs.ts), the model node
// and the finetune node among them with their ports and categories, as text and as JSON.
import { describe, expect, it } from 'vitest';
import { builtInNodeSpecs, builtInRegistry } from '../../../nodes/specs.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { nodeTypesCommand } from './node-types.ts';

function listed(json: boolean): string {
  const run = capturedIo({ cwd: '/' });
  expect(nodeTypesCommand(builtInRegistry(), json, run.io)).toBe(0);
  return run.stdout();
}

describe('crucible node-types', () => {
  it('lists every built-in spec, the model node with its outputs', () => {
    const text = listed(false);
    for (const spec of builtInNodeSpecs) expect(text).toMatch(new RegExp(`^${spec.type} +${spec.category} `, 'm'));
    expect(text).toMatch(/^model +Models +\(—\) → \(model: Model, tokenizer: Tokenizer\)$/m);
    expect(text).toMatch(/^finetune +Training +\(model: Model, tokens: Tokens\) → \(model: Model\)$/m);
  });

  it('answers the same catalogue as JSON', () => {
    const types = JSON.parse(listed(true)) as { type: string; category: string }[];
    expect(types.map((info) => info.type)).toEqual(builtInNodeSpecs.map((spec) => spec.type));
    expect(types.find((info) => info.type === 'model')?.category).toBe('Models');
  });
});
