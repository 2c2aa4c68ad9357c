import { afterAll, describe, expect, it } from 'vitest';
import { corpusDocumentPieces, readDocumentBoundaries } from './corpus-reader.ts';
import { IngestHarness } from './testing/ingest-harness.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

describe('corpus reader', () => {
  it('streams documents in bounded pieces cut between characters, marking each document’s end', async () => {
    const texts = ['😀'.repeat(10), 'short', 'é'.repeat(7)];
    const file = harness.file('docs.jsonl', texts.map((text) => JSON.stringify({ text })).join('\n'));
    const corpus = await harness.ingest({ sources: [{ path: file }], valFraction: 0 });
    const documents: string[] = [];
    let current = '';
    for await (const piece of corpusDocumentPieces(corpus.corpusDir, 'train', 5)) {
      expect(Buffer.byteLength(piece.text)).toBeLessThanOrEqual(8);
      current += piece.text;
      if (!piece.endsDocument) continue;
      documents.push(current);
      current = '';
    }
    expect(documents).toEqual(texts);
    expect(await readDocumentBoundaries(corpus.corpusDir, 'train')).toEqual([0, 40, 45, 59]);
    expect(await readDocumentBoundaries(corpus.corpusDir, 'val')).toEqual([0]);
  });
});
