// Test support: writes a Corpus artifact in the dataset node's layout (nodes/dataset/corpus-layout.ts) — each split's
// documents back to back in <split>.txt and their byte boundaries as little-endian uint64 in <split>.idx.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { TextSplit } from '../../services/tokenizer-service.ts';
import { splitIndexFile, splitTextFile, type CorpusSplit } from '../../dataset/corpus-layout.ts';

/** Writes one split and returns it as the tokenizer service reads it. */
export function writeSplit(corpusDir: string, split: CorpusSplit, documents: readonly string[]): TextSplit {
  mkdirSync(corpusDir, { recursive: true });
  const bytes = documents.map((document) => Buffer.from(document, 'utf8'));
  const boundaries = new Float64Array(documents.length + 1);
  const index = Buffer.alloc(boundaries.length * 8);
  bytes.forEach((document, position) => {
    boundaries[position + 1] = (boundaries[position] as number) + document.length;
  });
  boundaries.forEach((offset, position) => index.writeBigUInt64LE(BigInt(offset), position * 8));
  writeFileSync(splitTextFile(corpusDir, split), Buffer.concat(bytes));
  writeFileSync(splitIndexFile(corpusDir, split), index);
  return { textPath: splitTextFile(corpusDir, split), documentBoundaries: boundaries };
}

export function writeCorpus(corpusDir: string, documents: { train: readonly string[]; val: readonly string[] }): Record<CorpusSplit, TextSplit> {
  return { train: writeSplit(corpusDir, 'train', documents.train), val: writeSplit(corpusDir, 'val', documents.val) };
}
