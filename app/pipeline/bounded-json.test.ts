import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8Byte, MAX_JSON_DEPTH, parseBoundedJson, parseBoundedJsonText, tooDeepOffset } from './bounded-json.ts';
import { parseJsonWithPosition } from './parse-json.ts';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('bounded JSON', () => {
  it('parses ordinary JSON and counts nesting outside strings only', () => {
    expect(parseBoundedJson(Buffer.from('{"a":[1,{"b":"[[[[{{{"}]}'))).toEqual({ ok: true, value: { a: [1, { b: '[[[[{{{' }] } });
    expect(tooDeepOffset(nested(MAX_JSON_DEPTH))).toBe(-1);
    expect(tooDeepOffset(nested(MAX_JSON_DEPTH + 1))).toBe(MAX_JSON_DEPTH);
    expect(tooDeepOffset(`["\\"[[[[",${'{"a":'.repeat(3)}1}}}]`, 4)).toBe(-1);
    expect(tooDeepOffset(`["\\\\",[[[[1]]]]]`, 4)).toBe(9); // an escaped backslash ends no string
  });

  it('refuses deep nesting before parsing, without recursion', () => {
    const result = parseBoundedJson(Buffer.from(`{"messages":${nested(100_000)}}`));
    expect(result).toEqual({ ok: false, failure: { reason: 'too_deep', message: expect.stringContaining(`more than ${MAX_JSON_DEPTH} levels`) } });
  });

  it('refuses invalid UTF-8 instead of replacing it, and says where', () => {
    const bytes = Buffer.concat([Buffer.from('{"prompt":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const result = parseBoundedJson(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.failure).toMatchObject({ reason: 'invalid_utf8', message: expect.stringContaining('at byte 13') });
    expect(firstInvalidUtf8Byte(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // an encoded surrogate
    expect(firstInvalidUtf8Byte(Buffer.from('héllo ✓ 𝄞'))).toBe(Buffer.byteLength('héllo ✓ 𝄞'));
  });

  it('reports syntax errors as such, and skips a byte order mark', () => {
    expect(parseBoundedJsonText('{"a":').ok).toBe(false);
    expect(parseBoundedJson(Buffer.from('\ufeff{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
  });

  it('gives a pipeline file that nests too deep a problem at the spot', () => {
    const result = parseJsonWithPosition(`{\n  "nodes": ${nested(5000)}\n}`);
    expect(result).toEqual({ ok: false, problem: { message: expect.stringContaining('nested more than'), line: 2, column: 11 + MAX_JSON_DEPTH /* the object on line 1 is the first level */ } });
  });
});

describe('prototype keys', () => {
  it('refuses __proto__ and constructor.prototype anywhere, and allows the words as values and plain keys', () => {
    expect(parseBoundedJsonText('{"a":[{"__proto__":{"x":1}}]}')).toEqual({ ok: false, failure: { reason: 'forbidden_key', message: 'the key "a.0.__proto__" is not allowed in JSON bodies' } });
    expect(parseBoundedJsonText('{"constructor":{"prototype":{}}}')).toMatchObject({ ok: false, failure: { reason: 'forbidden_key' } });
    expect(parseBoundedJsonText('{"constructor":"x","y":"__proto__"}')).toEqual({ ok: true, value: { constructor: 'x', y: '__proto__' } });
  });
});
