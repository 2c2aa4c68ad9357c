import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonArrayScanner } from './json-array-scanner.ts';

function scan(chunks: string[]): unknown[] {
  const scanner = new JsonArrayScanner('a.json');
  const elements = chunks.flatMap((chunk) => scanner.push(chunk));
  scanner.finish();
  return elements.map((element) => JSON.parse(element.text));
}

describe('JsonArrayScanner', () => {
  it('yields every element of any JSON array, however the text is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (values, cuts, pretty) => {
        const text = JSON.stringify(values, null, pretty ? 2 : undefined);
        const sorted = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [...sorted, text.length].map((cut, index) => text.slice(index === 0 ? 0 : sorted[index - 1], cut));
        expect(scan(chunks)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('numbers records and their lines', () => {
    const scanner = new JsonArrayScanner('a.json');
    const elements = scanner.push('[\n  {"text": "a"},\n  {"text": "b\\"]"}\n]');
    expect(elements.map(({ index, line }) => [index, line])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it('fails on a truncated array, a missing comma and an empty file', () => {
    expect(() => scan(['[{"text": "a"}, {"te'])).toThrow(/ends before its array is closed: record 2 \(line 1\) is incomplete/);
    expect(() => scan(['[{"a": 1}\n {"b": 2}]'])).toThrow(/line 2: expected "," or "\]" after record 1/);
    expect(() => scan(['  '])).toThrow(/a\.json" is empty/);
  });
});
