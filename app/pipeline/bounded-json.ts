// JSON that cannot hurt the reader: strict UTF-8 (no silent U+FFFD), and a nesting limit checked before parsing, so
// a 10 KB body of 5,000 brackets is refused with a reason instead of overflowing the stack of whatever walks it next.
// Keys that would poison an object's prototype once merged (`__proto__`, `constructor.prototype`) are refused, as
// Fastify's own parser does. Every JSON body the engine and the api-endpoint accept goes through here; pipeline
// files get the same depth limit (app/pipeline/parse-json.ts).

/** Deep enough for any pipeline, chat request or config we read; far below what recursion can survive. */
export const MAX_JSON_DEPTH = 64;

export type BoundedJsonFailure =
  | { reason: 'invalid_utf8'; message: string }
  | { reason: 'too_deep'; message: string }
  | { reason: 'forbidden_key'; message: string }
  | { reason: 'syntax'; message: string };

export type BoundedJsonResult = { ok: true; value: unknown } | { ok: false; failure: BoundedJsonFailure };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes bytes as UTF-8, refusing malformed sequences; null when they are not valid UTF-8. */
export function decodeStrictUtf8(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Where a JSON text first nests deeper than `maxDepth` arrays and objects (the offset of the bracket that does),
 * or -1 when it never does. Brackets inside strings do not count. Linear, no recursion; the text need not be valid
 * JSON (the parser judges that).
 */
export function tooDeepOffset(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return -1;
}

/** The nesting failure for a text, or null when it is within `maxDepth`. */
export function checkJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): BoundedJsonFailure | null {
  if (tooDeepOffset(text, maxDepth) < 0) return null;
  return { reason: 'too_deep', message: `JSON is nested more than ${maxDepth} levels deep (arrays and objects); flatten it` };
}

/** Parses a JSON text after the depth check, refusing prototype-poisoning keys. */
export function parseBoundedJsonText(text: string, maxDepth = MAX_JSON_DEPTH): BoundedJsonResult {
  const tooDeep = checkJsonDepth(text, maxDepth);
  if (tooDeep) return { ok: false, failure: tooDeep };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, failure: { reason: 'syntax', message: error instanceof Error ? error.message : String(error) } };
  }
  const poisoned = (text.includes('__proto__') || text.includes('constructor')) && poisonedKeyPath(value);
  if (poisoned) return { ok: false, failure: { reason: 'forbidden_key', message: `the key "${poisoned}" is not allowed in JSON bodies` } };
  return { ok: true, value };
}

/** The path of a `__proto__` key or a `constructor.prototype`, or null. The value is already depth-bounded. */
function poisonedKeyPath(value: unknown, at = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const here = at ? `${at}.${key}` : key;
    if (key === '__proto__') return here;
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return `${here}.prototype`;
    const below = poisonedKeyPath(child, here);
    if (below) return below;
  }
  return null;
}

/** Parses a request body: strict UTF-8 (the decoder drops a leading BOM), then the depth check, then JSON.parse. */
export function parseBoundedJson(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): BoundedJsonResult {
  const text = decodeStrictUtf8(bytes);
  if (text === null) return { ok: false, failure: { reason: 'invalid_utf8', message: `the body is not valid UTF-8 (at byte ${firstInvalidUtf8Byte(bytes)}); send JSON encoded as UTF-8` } };
  return parseBoundedJsonText(text, maxDepth);
}

/** Offset of the first byte that starts no valid UTF-8 sequence (a hint for the error message). */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    if (decodeStrictUtf8(bytes.subarray(i, i + length)) === null) return i;
    i += length;
  }
  return bytes.length;
}
