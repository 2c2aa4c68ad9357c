// Finds the train and val splits of the Corpus artifact the tokenizer node receives, in the form the tokenizer
// service reads: each split's text file and its document boundaries (nodes/dataset/corpus-layout.ts).
import { existsSync } from 'node:fs';
import type { TextSplit } from '../services/tokenizer-service.ts';
import { CORPUS_SPLITS, splitIndexFile, splitTextFile, type CorpusSplit } from '../dataset/corpus-layout.ts';
import { readDocumentBoundaries } from '../dataset/corpus-reader.ts';

export type CorpusSplits = Record<CorpusSplit, TextSplit>;

export async function readCorpusSplits(corpusDir: string): Promise<CorpusSplits> {
  const entries = await Promise.all(
    CORPUS_SPLITS.map(async (split): Promise<[CorpusSplit, TextSplit]> => {
      for (const file of [splitTextFile(corpusDir, split), splitIndexFile(corpusDir, split)]) {
        if (!existsSync(file)) throw new Error(`corpus artifact ${corpusDir} has no ${file}; re-run the dataset node that produced it`);
      }
      const boundaries = Float64Array.from(await readDocumentBoundaries(corpusDir, split));
      return [split, { textPath: splitTextFile(corpusDir, split), documentBoundaries: boundaries }];
    }),
  );
  return Object.fromEntries(entries) as CorpusSplits;
}
