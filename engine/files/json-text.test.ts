// JSON read from files: the reason a text is not JSON is safe to print, and a file's errors name it and say what to do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonText, readJsonObjectFile } from './json-text.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-json-text-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parseJsonText', () => {
  it('says whether a text is empty, binary or has a syntax error where, never quoting raw characters', () => {
    expect(parseJsonText('{"a": [1]}')).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJsonText(' \n')).toEqual({ ok: false, problem: 'not JSON: it is empty' });
    expect(parseJsonText('\u0089PNG\r\n\u001a\n\u0000')).toEqual({ ok: false, problem: 'not JSON: it holds binary data' });
    const syntax = parseJsonText('{\n  "a": ¿1\n}');
    expect(syntax).toMatchObject({ ok: false, problem: expect.stringMatching(/^not valid JSON at line 2, column 8 \([\x20-\x7e]*\)$/) });
  });
});

describe('readJsonObjectFile', () => {
  const kind = { expected: 'a settings file', remedy: 'write it again' };

  it('names a missing file, a damaged one and one that holds no object, with what to do', () => {
    expect(() => readJsonObjectFile(path.join(root, 'absent.json'), kind)).toThrow(`${path.join(root, 'absent.json')} is missing; write it again`);
    const damaged = path.join(root, 'damaged.json');
    writeFileSync(damaged, Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    expect(() => readJsonObjectFile(damaged, kind)).toThrow(`${damaged}: not JSON: it holds binary data; the file is damaged or not a settings file — write it again`);
    const text = path.join(root, 'text.json');
    writeFileSync(text, '"just a string"');
    expect(() => readJsonObjectFile(text, kind)).toThrow(`${text}: expected a JSON object, found a string; the file is damaged or not a settings file — write it again`);
  });
});
