// Finds the train and val splits of the Corpus artifact the tokenizer node receives, in the form the tokenizer
// service reads: each split's text file and its document boundaries (app/artifacts/corpus-layout.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CORPUS_SPLITS, corpusIndexFile, corpusTextFile, decodeDocumentBoundaries, type CorpusSplit } from '../../app/artifacts/corpus-layout.ts';
import type { TextSplit } from '../capabilities/tokenizer.ts';

export type CorpusSplits = Record<CorpusSplit, TextSplit>;

export async function readCorpusSplits(corpusDir: string): Promise<CorpusSplits> {
  const entries = await Promise.all(
    CORPUS_SPLITS.map(async (split): Promise<[CorpusSplit, TextSplit]> => {
      const [textPath, indexPath] = [path.join(corpusDir, corpusTextFile(split)), path.join(corpusDir, corpusIndexFile(split))];
      for (const file of [textPath, indexPath]) {
        if (!existsSync(file)) throw new Error(`corpus artifact ${corpusDir} has no ${file}; re-run the dataset node that produced it`);
      }
      const boundaries = Float64Array.from(decodeDocumentBoundaries(await readFile(indexPath), indexPath));
      return [split, { textPath, documentBoundaries: boundaries }];
    }),
  );
  return Object.fromEntries(entries) as CorpusSplits;
}
