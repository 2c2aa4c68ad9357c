// Parses JSON read from a file and, when it is not JSON, says why in words safe to print: binary content is named
// as such and never echoed, and a syntax error gives its line and column, quoted in printable ASCII only.
import { readFileSync } from 'node:fs';
import { parseJsonWithPosition } from '../../app/pipeline/parse-json.ts';
import { looksBinary, printableAscii } from '../../app/text/printable-ascii.ts';

/** Longest syntax-error text quoted back to the user. */
const MAX_REASON_CHARS = 80;

export type ParsedJson = { ok: true; value: unknown } | { ok: false; problem: string };

/** The parsed value, or why the text is not JSON ("not JSON: …" or "not valid JSON at …"), safe to print. */
export function parseJsonText(text: string): ParsedJson {
  const parsed = parseJsonWithPosition(text);
  if (parsed.ok) return parsed;
  if (text.trim() === '') return { ok: false, problem: 'not JSON: it is empty' };
  if (looksBinary(text)) return { ok: false, problem: 'not JSON: it holds binary data' };
  const { message, line, column } = parsed.problem;
  return { ok: false, problem: `not valid JSON at line ${line}, column ${column} (${printableAscii(message, MAX_REASON_CHARS)})` };
}

export interface JsonFileKind {
  /** What the file should be, e.g. "a Hugging Face config.json". */
  expected: string;
  /** What to do when it is missing or damaged, e.g. "re-run the node that produced the model". */
  remedy: string;
}

/**
 * Reads a JSON file that must hold an object. A file that is missing, unreadable, not JSON or holds something
 * else throws `PATH: what is wrong; what to do`.
 */
export function readJsonObjectFile(filePath: string, kind: JsonFileKind): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${filePath} is missing; ${kind.remedy}`);
    throw new Error(`${filePath}: cannot read it (${code ?? (error as Error).message}); check the file and its permissions`);
  }
  const damaged = `the file is damaged or not ${kind.expected} — ${kind.remedy}`;
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new Error(`${filePath}: ${parsed.problem}; ${damaged}`);
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${filePath}: expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}; ${damaged}`);
  }
  return value as Record<string, unknown>;
}
