// Form generation from the catalogue's JSON Schemas: every config field gets the right widget, range, options,
// help text and default, nested objects become groups, and path fields get a file picker.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../app/nodes/catalogue.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { describeRange, fieldApplies, fieldsFromSchema, isAtDefault, parseNumberInput, type FieldDescriptor } from './schema-fields.ts';

const registry = builtInRegistry();
const infoOf = (type: string) => catalogue(registry).find((info) => info.type === type)!;
const fieldsOf = (type: string) => fieldsFromSchema(infoOf(type).configSchema, registry.get(type)!.pathFields);
const byKey = (fields: FieldDescriptor[], key: string) => fields.find((field) => field.key === key)!;

describe('fieldsFromSchema', () => {
  it('gives every config field of every node type a field, in schema order', () => {
    for (const info of catalogue(registry)) {
      expect(fieldsOf(info.type).map((field) => field.key)).toEqual(Object.keys(info.configSchema.properties as object));
    }
  });

  it('maps integers with their range, numbers with exclusive bounds, enums, booleans and strings', () => {
    const pretrain = fieldsOf('pretrain');
    expect(byKey(pretrain, 'nLayer')).toMatchObject({ kind: 'integer', minimum: 1, maximum: 128, defaultValue: 4, description: 'Transformer blocks.' });
    expect(byKey(pretrain, 'learningRate')).toMatchObject({ kind: 'number', exclusiveMinimum: 0, maximum: 10 });
    expect(byKey(pretrain, 'device')).toMatchObject({ kind: 'enum', options: ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'], defaultValue: 'auto' });
    expect(byKey(pretrain, 'bias')).toMatchObject({ kind: 'boolean', defaultValue: true });
    expect(byKey(fieldsOf('deploy'), 'name')).toMatchObject({ kind: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });
  });

  it("shows a family's own fields only while that family is chosen (onlyWhen), reading a left-out sibling as its default", () => {
    const pretrain = fieldsOf('pretrain');
    expect(byKey(pretrain, 'nKvHead')).toMatchObject({ kind: 'integer', onlyWhen: { architecture: ['llama'] } });
    const shown = (config: Record<string, unknown>) => pretrain.filter((field) => fieldApplies(field, config, pretrain)).map((field) => field.key);
    const gpt2 = shown({});
    expect(gpt2).toContain('bias');
    expect(gpt2).not.toContain('nKvHead');
    expect(gpt2).not.toContain('ropeTheta');
    const llama = shown({ architecture: 'llama' });
    expect(llama).toEqual(expect.arrayContaining(['nKvHead', 'intermediateSize', 'ropeTheta', 'tieEmbeddings', 'nLayer', 'dropout']));
    expect(llama).not.toContain('bias');
    // Fields without a condition show for every family.
    expect(shown({ architecture: 'llama' }).length + 1).toBe(gpt2.length + 4);
  });

  it('turns a union of literals into an enum of those values', () => {
    expect(byKey(fieldsOf('quantize'), 'blockSize')).toMatchObject({ kind: 'enum', options: [16, 32, 64, 128], defaultValue: 32 });
  });

  it('nests object fields as a group with their own paths and defaults', () => {
    const defaults = byKey(fieldsOf('deploy'), 'defaults');
    expect(defaults.kind).toBe('group');
    const topP = defaults.kind === 'group' ? byKey(defaults.fields, 'topP') : null;
    expect(topP).toMatchObject({ kind: 'number', path: ['defaults', 'topP'], exclusiveMinimum: 0, maximum: 1, defaultValue: 1 });
  });

  it('gives path fields a file picker, string arrays a list, a dataset\'s sources the sources editor, and other arrays a JSON editor', () => {
    expect(byKey(fieldsOf('tokenizer'), 'path').kind).toBe('path');
    expect(byKey(fieldsOf('tokenizer'), 'specialTokens')).toMatchObject({ kind: 'string-list', maxItems: 64, defaultValue: ['<|endoftext|>'] });
    expect(byKey(fieldsOf('dataset'), 'sources').kind).toBe('sources');
    expect(fieldsFromSchema({ properties: { pairs: { type: 'array', items: { anyOf: [{ type: 'object', properties: { path: {} } }, { type: 'object', properties: { other: {} } }] } } } })[0]!.kind).toBe('json');
  });
});

describe('field helpers', () => {
  it('describes ranges the way the field accepts them', () => {
    const pretrain = fieldsOf('pretrain');
    const range = (key: string) => {
      const field = byKey(pretrain, key);
      return field.kind === 'integer' || field.kind === 'number' ? describeRange(field) : null;
    };
    expect(range('nLayer')).toBe('1 – 128');
    expect(range('learningRate')).toBe('> 0 – 10');
  });

  it('treats a missing value, or one equal to the default in any key order, as the default', () => {
    expect(isAtDefault(undefined, 5)).toBe(true);
    expect(isAtDefault({ b: 1, a: 2 }, { a: 2, b: 1 })).toBe(true);
    expect(isAtDefault(6, 5)).toBe(false);
  });

  it('reads typed numbers, refusing text and fractions for integers', () => {
    expect(parseNumberInput(' 1e-3 ', 'number')).toEqual({ ok: true, value: 0.001 });
    expect(parseNumberInput('abc', 'number')).toEqual({ ok: false, message: 'enter a number' });
    expect(parseNumberInput('2.5', 'integer')).toEqual({ ok: false, message: 'enter a whole number' });
  });
});
