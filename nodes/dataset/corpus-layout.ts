// The files of a Corpus artifact and their format, shared by the dataset that writes them and the nodes that read
// them (see README.md): <split>.txt holds the documents back to back, <split>.idx their byte boundaries.
import path from 'node:path';

export const CORPUS_SPLITS = ['train', 'val'] as const;
export type CorpusSplit = (typeof CORPUS_SPLITS)[number];

export const STATS_FILE = 'stats.json';

export function splitTextFile(corpusDir: string, split: CorpusSplit): string {
  return path.join(corpusDir, `${split}.txt`);
}

/** Little-endian uint64 byte offsets: 0, the end of each document, so documents + 1 values. */
export function splitIndexFile(corpusDir: string, split: CorpusSplit): string {
  return path.join(corpusDir, `${split}.idx`);
}

export interface SplitStats {
  documents: number;
  /** Unicode code points. */
  characters: number;
  bytes: number;
}

export interface CorpusStats {
  version: 1;
  train: SplitStats;
  val: SplitStats;
  /** "documents": whole documents went to val; "characters": a single document was cut (the last share is val). */
  splitBy: 'documents' | 'characters';
  files: number;
  bytesRead: number;
  documentsRead: number;
  duplicatesRemoved: number;
  duplicates: { exact: number; near: number };
  documentsFiltered: number;
  filtered: { empty: number; tooShort: number; tooLong: number };
}
