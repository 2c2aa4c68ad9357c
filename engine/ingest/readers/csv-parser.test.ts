import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRow } from './csv-parser.ts';

function parse(chunks: string[], delimiter: ',' | '\t' = ','): CsvRow[] {
  const parser = new CsvParser('t.csv', delimiter);
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.finish()];
}

/** RFC 4180 encoding of rows, quoting every field that needs it. */
function encode(rows: string[][]): string {
  const field = (value: string) => (/[",\n]/.test(value) || value === '' ? `"${value.replaceAll('"', '""')}"` : value);
  return rows.map((row) => row.map(field).join(',')).join('\n');
}

function cutAt(text: string, cuts: number[]): string[] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  return [...sorted, text.length].map((cut, index) => text.slice(index === 0 ? 0 : sorted[index - 1], cut));
}

describe('CsvParser', () => {
  it('round-trips any fields, however the input is chunked', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é') });
    const rows = fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(rows, fc.array(fc.nat(), { maxLength: 5 }), (records, cuts) => {
        const text = encode(records);
        const parsed = parse(cutAt(text, cuts.map((cut) => cut % (text.length + 1))));
        expect(parsed.map((row) => row.fields)).toEqual(records.filter((row) => !(row.length === 1 && row[0] === '')));
      }),
      { numRuns: 500 },
    );
  });

  it('knows the line each row starts on, counting newlines inside quotes', () => {
    const rows = parse(['a,b\n"multi\nline",x\n\nlast,y']);
    expect(rows.map((row) => [row.line, ...row.fields])).toEqual([
      [1, 'a', 'b'],
      [2, 'multi\nline', 'x'],
      [5, 'last', 'y'],
    ]);
  });

  it('reads tabs for TSV and keeps a trailing empty field', () => {
    expect(parse(['a\tb,c\t\n'], '\t').map((row) => row.fields)).toEqual([['a', 'b,c', '']]);
    expect(parse(['a,'], ',').map((row) => row.fields)).toEqual([['a', '']]);
  });

  it('fails on text after a closing quote and on an unclosed quote', () => {
    expect(() => parse(['a\n"x"y\n'])).toThrow(/t\.csv" line 2: unexpected "y" after a closing quote/);
    expect(() => parse(['a\n"open'])).toThrow(/t\.csv" line 2: a quoted field is never closed/);
  });
});
