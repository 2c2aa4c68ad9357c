// Turns zod issues into the readable field messages users see: the value that was given and the rule it broke.
import type { z } from 'zod';

export interface FieldMessage {
  /** Dot path, e.g. `sources.0.path`; empty for the object itself. */
  field: string;
  message: string;
}

export function describeZodIssues(error: z.ZodError, input: unknown): FieldMessage[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: describeIssue(issue, valueAt(input, issue.path)) }));
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const given = preview(value);
  switch (issue.code) {
    case 'too_big':
      return `${given} is too ${issue.origin === 'string' || issue.origin === 'array' ? 'long' : 'big'}: must be at most ${String(issue.maximum)}${unitOf(issue.origin)}`;
    case 'too_small':
      return `${given} is too ${issue.origin === 'string' || issue.origin === 'array' ? 'short' : 'small'}: must be at least ${String(issue.minimum)}${unitOf(issue.origin)}`;
    case 'invalid_type':
      return value === undefined ? `is required (a ${issue.expected})` : `${given} must be a ${issue.expected}`;
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

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function preview(value: unknown): string {
  if (value === undefined) return 'the value';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
