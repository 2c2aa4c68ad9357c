// Turns a node type's config JSON Schema (from the catalogue) into the fields the inspector draws: numbers with
// their ranges, enums, booleans, strings, file paths, string lists and nested groups. What it cannot map to a
// widget becomes a JSON field, so no config is ever hidden from the user.

type JsonSchema = Record<string, unknown>;

interface FieldBase {
  key: string;
  /** Keys from the config root, e.g. ["defaults", "topP"]. */
  path: string[];
  description: string;
  defaultValue: unknown;
  /**
   * The field applies only when these sibling fields hold one of the listed values (a spec's `.meta({ onlyWhen })`,
   * e.g. { architecture: ['llama'] }); the inspector hides it otherwise. Absent: always shown.
   */
  onlyWhen?: Record<string, unknown[]>;
}

export type FieldDescriptor =
  | (FieldBase & {
      kind: 'number' | 'integer';
      minimum?: number;
      maximum?: number;
      exclusiveMinimum?: number;
      exclusiveMaximum?: number;
      /** What an emptied box stores: 'unset' leaves the field out (an optional one), 'null' writes null (a nullable one); absent, a number is required. */
      whenEmpty?: 'unset' | 'null';
    })
  | (FieldBase & { kind: 'enum'; options: (string | number | boolean)[] })
  | (FieldBase & { kind: 'boolean' })
  | (FieldBase & { kind: 'string' | 'path'; minLength?: number; maxLength?: number; pattern?: string })
  | (FieldBase & { kind: 'string-list'; maxItems?: number })
  /** A dataset's sources: a list of paths and URLs (items that are either `{ path, … }` or `{ url, sha256? }`). */
  | (FieldBase & { kind: 'sources' })
  | (FieldBase & { kind: 'group'; fields: FieldDescriptor[] })
  | (FieldBase & { kind: 'json' });

const asSchema = (value: unknown): JsonSchema => (value !== null && typeof value === 'object' ? (value as JsonSchema) : {});
const numberOr = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * @param pathFields the spec's path fields (`path`, `sources[].path`); matching string fields get a file picker.
 */
export function fieldsFromSchema(schema: JsonSchema, pathFields: readonly string[] = [], parentPath: string[] = []): FieldDescriptor[] {
  const properties = asSchema(schema.properties);
  return Object.entries(properties).map(([key, property]) => fieldFor(key, asSchema(property), [...parentPath, key], pathFields));
}

function fieldFor(key: string, schema: JsonSchema, path: string[], pathFields: readonly string[]): FieldDescriptor {
  const base: FieldBase = { key, path, description: typeof schema.description === 'string' ? schema.description : '', defaultValue: schema.default, ...onlyWhenOf(schema) };
  const constants = constOptions(schema);
  if (Array.isArray(schema.enum)) return { ...base, kind: 'enum', options: schema.enum as (string | number)[] };
  if (constants) return { ...base, kind: 'enum', options: constants };
  const nullableNumber = nullableNumberOf(schema);
  if (nullableNumber) return { ...numberField(base, nullableNumber), whenEmpty: 'null' };
  switch (schema.type) {
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'integer':
    case 'number':
      // No default: the field is optional, and an emptied box leaves it out.
      return schema.default === undefined ? { ...numberField(base, schema), whenEmpty: 'unset' } : numberField(base, schema);
    case 'string':
      return {
        ...base,
        kind: pathFields.includes(path.join('.')) ? 'path' : 'string',
        minLength: numberOr(schema.minLength),
        maxLength: numberOr(schema.maxLength),
        pattern: typeof schema.pattern === 'string' ? schema.pattern : undefined,
      };
    case 'object':
      return schema.properties ? { ...base, kind: 'group', fields: fieldsFromSchema(schema, pathFields, path) } : { ...base, kind: 'json' };
    case 'array':
      if (asSchema(schema.items).type === 'string') return { ...base, kind: 'string-list', maxItems: numberOr(schema.maxItems) };
      return isSourceList(asSchema(schema.items)) ? { ...base, kind: 'sources' } : { ...base, kind: 'json' };
    default:
      return { ...base, kind: 'json' };
  }
}

function numberField(base: FieldBase, schema: JsonSchema): Extract<FieldDescriptor, { kind: 'number' | 'integer' }> {
  return {
    ...base,
    kind: schema.type === 'integer' ? 'integer' : 'number',
    minimum: numberOr(schema.minimum),
    maximum: numberOr(schema.maximum),
    exclusiveMinimum: numberOr(schema.exclusiveMinimum),
    exclusiveMaximum: numberOr(schema.exclusiveMaximum),
  };
}

/** `anyOf: [{type: 'integer', …}, {type: 'null'}]`, as zod writes a nullable number: the number's own schema. */
function nullableNumberOf(schema: JsonSchema): JsonSchema | null {
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf.map(asSchema) : [];
  if (variants.length !== 2 || !variants.some((variant) => variant.type === 'null')) return null;
  return variants.find((variant) => variant.type === 'integer' || variant.type === 'number') ?? null;
}

/** A property's `onlyWhen` keyword: { sibling: [values…] } (a single value is taken as a list of one). */
function onlyWhenOf(schema: JsonSchema): Pick<FieldBase, 'onlyWhen'> {
  const condition = schema.onlyWhen;
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return {};
  return { onlyWhen: Object.fromEntries(Object.entries(condition).map(([key, values]) => [key, Array.isArray(values) ? values : [values]])) };
}

/**
 * Whether a field applies to a config: every sibling its `onlyWhen` names holds one of the listed values, reading a
 * sibling left out as that sibling's default. `fields` are the field's siblings (for their defaults).
 */
export function fieldApplies(field: FieldDescriptor, config: Record<string, unknown>, fields: readonly FieldDescriptor[]): boolean {
  if (field.onlyWhen === undefined) return true;
  return Object.entries(field.onlyWhen).every(([key, values]) => {
    const value = config[key] ?? fields.find((sibling) => sibling.key === key)?.defaultValue;
    return values.includes(value);
  });
}

/** `anyOf: [{const: 16}, {const: 32}]`, as zod writes a union of literals. */
function constOptions(schema: JsonSchema): (string | number | boolean)[] | null {
  const variants = schema.anyOf;
  if (!Array.isArray(variants) || variants.length === 0) return null;
  const values = variants.map((variant) => asSchema(variant).const);
  return values.every((value) => ['string', 'number', 'boolean'].includes(typeof value)) ? (values as (string | number | boolean)[]) : null;
}

/** "1 – 128", "> 0 – 1", "≥ 0": the range a number field accepts, for its hint. */
export function describeRange(field: Extract<FieldDescriptor, { kind: 'number' | 'integer' }>): string {
  const low = field.exclusiveMinimum !== undefined ? `> ${field.exclusiveMinimum}` : field.minimum !== undefined ? `${field.minimum}` : null;
  const high = field.exclusiveMaximum !== undefined ? `< ${field.exclusiveMaximum}` : field.maximum !== undefined ? `${field.maximum}` : null;
  if (low !== null && high !== null) return `${low} – ${high}`;
  if (low !== null) return field.exclusiveMinimum !== undefined ? low : `≥ ${low}`;
  if (high !== null) return field.exclusiveMaximum !== undefined ? high : `≤ ${high}`;
  return '';
}

/** Same value as the default (missing counts as default: the engine fills it in). */
export function isAtDefault(value: unknown, defaultValue: unknown): boolean {
  return value === undefined || stableJson(value) === stableJson(defaultValue);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner,
  );
}

/** Reads what the user typed into a number field; a message when it is not a number of the right kind. */
export function parseNumberInput(text: string, kind: 'number' | 'integer'): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) return { ok: false, message: 'enter a number' };
  if (kind === 'integer' && !Number.isInteger(value)) return { ok: false, message: 'enter a whole number' };
  return { ok: true, value };
}

/** Items that are either a path source or a URL source, as the dataset's `sources` are. */
function isSourceList(items: JsonSchema): boolean {
  const variants = Array.isArray(items.anyOf) ? items.anyOf.map(asSchema) : Array.isArray(items.oneOf) ? items.oneOf.map(asSchema) : [];
  const has = (key: string) => variants.some((variant) => key in asSchema(variant.properties));
  return variants.length === 2 && has('path') && has('url');
}
