// Turns zod issues into the readable field messages users see: the value that was given and the rule it broke.
// Values come from users (request bodies, pipeline files), so previews are bounded: never recursive past their
// length budget, never throwing, whatever the nesting.
import type { z } from 'zod';

export interface FieldMessage {
  /** Dot path, e.g. `sources.0.path`; empty for the object itself. */
  field: string;
  message: string;
}

/** Longest preview of a given value in a message; longer ones end in `...`. */
const PREVIEW_CHARS = 40;

export function describeZodIssues(error: z.ZodError, input: unknown): FieldMessage[] {
  return withoutShadowedIntRange(error.issues).map((issue) => ({ field: issue.path.map(String).join('.'), message: describeZodIssue(issue, input) }));
}

/** The issue describeZodIssues lists first: the one to report when only one is. */
export function firstZodIssue(error: z.ZodError): z.core.$ZodIssue | undefined {
  return withoutShadowedIntRange(error.issues)[0];
}

/** One issue in words, with the value it is about (found in `input` by the issue's path). */
export function describeZodIssue(issue: z.core.$ZodIssue, input: unknown): string {
  return describeIssue(issue, valueAtPath(input, issue.path));
}

/**
 * zod's `.int()` adds a safe-integer range check (±9007199254740991) that fails next to the schema's own bound;
 * citing it would hide the real limit (max_tokens 1e308 "must be at most 9007199254740991"). Drop it when another
 * issue at the same path says more.
 */
function withoutShadowedIntRange(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const isIntRange = (issue: z.core.$ZodIssue) => (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int';
  const pathKey = (issue: z.core.$ZodIssue) => issue.path.map(String).join('\u0000');
  const explained = new Set(issues.filter((issue) => !isIntRange(issue)).map(pathKey));
  return issues.filter((issue) => !isIntRange(issue) || !explained.has(pathKey(issue)));
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const given = previewValue(value);
  switch (issue.code) {
    case 'too_big':
      return `${given} is too ${issue.origin === 'string' || issue.origin === 'array' ? 'long' : 'big'}: must be at most ${String(issue.maximum)}${unitOf(issue.origin)}`;
    case 'too_small':
      return `${given} is too ${issue.origin === 'string' || issue.origin === 'array' ? 'short' : 'small'}: must be at least ${String(issue.minimum)}${unitOf(issue.origin)}`;
    case 'invalid_type':
      if (value === undefined) return `is required (a ${issue.expected})`;
      // JSON.parse reads 1e999 as Infinity; "Infinity must be a number" would read as nonsense.
      if (issue.expected === 'number' && typeof value === 'number') return `${given} must be a finite number`;
      return `${given} must be a ${issue.expected}`;
    case 'invalid_value':
      return `${given} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'not_multiple_of':
      return `${given} must be a multiple of ${String(issue.divisor)}`;
    default:
      return value === undefined ? issue.message : `${given}: ${issue.message}`;
  }
}

function unitOf(origin: string): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array' || origin === 'set') return ' items';
  return '';
}

/** The value at a zod issue's path, or undefined where the path leaves the input. */
export function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * A short JSON-like rendering of a value for messages: `"text"`, `1e+308`, `Infinity`, `{"a":[1,2]}`, cut to 40
 * characters. It stops writing once the budget is spent, so a value nested 10,000 deep costs a few dozen steps and
 * never overflows the stack (JSON.stringify and String() of such a value both do).
 */
export function previewValue(value: unknown): string {
  if (value === undefined) return 'the value';
  const out = { text: '' };
  try {
    writePreview(value, out, PREVIEW_CHARS + 1);
  } catch {
    // A getter or proxy that throws: say what we got so far.
    out.text += '…';
  }
  return out.text.length > PREVIEW_CHARS ? `${out.text.slice(0, PREVIEW_CHARS - 3)}...` : out.text;
}

/** Appends `value` to `out.text` until it holds `budget` characters; each nesting level writes one, so depth ≤ budget. */
function writePreview(value: unknown, out: { text: string }, budget: number): void {
  if (out.text.length >= budget) return;
  if (value === null || value === undefined) out.text += 'null';
  else if (typeof value === 'string') out.text += JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
  else if (typeof value === 'bigint') out.text += `${value}n`;
  else if (typeof value === 'number' || typeof value === 'boolean') out.text += String(value);
  else if (typeof value !== 'object') out.text += typeof value;
  else if (Array.isArray(value)) writeArray(value, out, budget);
  else {
    // Dates and the like render as JSON.stringify would: through toJSON(), when it gives a plain value.
    const json = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (json === null || typeof json !== 'object') writePreview(json, out, budget);
    else writeObject(value, out, budget);
  }
}

function writeArray(items: readonly unknown[], out: { text: string }, budget: number): void {
  out.text += '[';
  for (let i = 0; i < items.length && out.text.length < budget; i++) {
    if (i > 0) out.text += ',';
    writePreview(items[i], out, budget);
  }
  out.text += ']';
}

function writeObject(object: object, out: { text: string }, budget: number): void {
  out.text += '{';
  let first = true;
  for (const key in object) {
    if (out.text.length >= budget) break;
    if (!Object.hasOwn(object, key)) continue;
    out.text += `${first ? '' : ','}${JSON.stringify(key.length > budget ? key.slice(0, budget) : key)}:`;
    first = false;
    writePreview((object as Record<string, unknown>)[key], out, budget);
  }
  out.text += '}';
}
