// Test support: writes a Corpus artifact in the dataset node's layout (app/artifacts/corpus-layout.ts) — each split's
// documents back to back in <split>.txt and their byte boundaries as little-endian uint64 in <split>.idx.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { corpusIndexFile, corpusTextFile, encodeDocumentBoundaries, type CorpusSplit } from '../../../app/artifacts/corpus-layout.ts';
import type { TextSplit } from '../../capabilities/tokenizer.ts';

/** Writes one split and returns it as the tokenizer capability reads it. */
export function writeSplit(corpusDir: string, split: CorpusSplit, documents: readonly string[]): TextSplit {
  mkdirSync(corpusDir, { recursive: true });
  const bytes = documents.map((document) => Buffer.from(document, 'utf8'));
  const boundaries = new Float64Array(documents.length + 1);
  bytes.forEach((document, position) => {
    boundaries[position + 1] = (boundaries[position] as number) + document.length;
  });
  const textPath = path.join(corpusDir, corpusTextFile(split));
  writeFileSync(textPath, Buffer.concat(bytes));
  writeFileSync(path.join(corpusDir, corpusIndexFile(split)), encodeDocumentBoundaries(boundaries));
  return { textPath, documentBoundaries: boundaries };
}

export function writeCorpus(corpusDir: string, documents: { train: readonly string[]; val: readonly string[] }): Record<CorpusSplit, TextSplit> {
  return { train: writeSplit(corpusDir, 'train', documents.train), val: writeSplit(corpusDir, 'val', documents.val) };
}
