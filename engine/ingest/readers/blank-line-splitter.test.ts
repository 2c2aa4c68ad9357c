import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocumentSink } from '../document-sink.ts';
import { BlankLineSplitter } from './blank-line-splitter.ts';

async function split(chunks: string[]): Promise<string[]> {
  const documents: string[] = [];
  let current: string[] | null = null;
  const sink: DocumentSink = {
    beginDocument: () => void (current = []),
    appendText: async (text) => void current!.push(text),
    endDocument: async () => {
      documents.push(current!.join(''));
      current = null;
    },
  };
  const splitter = new BlankLineSplitter(sink);
  for (const chunk of chunks) await splitter.push(chunk);
  await splitter.finish();
  return documents;
}

/** The reference: paragraphs of the whole text, split on whitespace-only lines. */
function paragraphs(text: string): string[] {
  const result: string[] = [];
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (lines.length > 0) result.push(lines.join('\n'));
      lines = [];
    } else lines.push(line);
  }
  if (lines.length > 0) result.push(lines.join('\n'));
  return result;
}

describe('BlankLineSplitter', () => {
  it('matches splitting the whole text on blank lines, however it is chunked', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\t', '\n', '\n\n', 'é') });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 5 }), async (whole, cuts) => {
        const sorted = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
        const chunks = [...sorted, whole.length].map((cut, index) => whole.slice(index === 0 ? 0 : sorted[index - 1], cut));
        expect(await split(chunks)).toEqual(paragraphs(whole));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a first line’s indentation and drops whitespace-only lines', async () => {
    expect(await split(['  one\n two\n \t \nthree\n'])).toEqual(['  one\n two', 'three']);
  });
});
