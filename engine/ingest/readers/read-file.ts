// Dispatches a planned file to the reader of its format.
import type { FileFormat } from '../../../app/datasets/file-format.ts';
import { readDelimited } from './csv.ts';
import { readJsonArray } from './json-array.ts';
import { readJsonLines } from './jsonl.ts';
import { readParquet } from './parquet.ts';
import type { ReaderContext } from './reader-context.ts';
import { readTextFile } from './text.ts';

export function readRecordsOrText(format: FileFormat, context: ReaderContext, textSplit: 'file' | 'blank-lines'): Promise<void> {
  switch (format) {
    case 'text':
      return readTextFile(context, textSplit);
    case 'jsonl':
      return readJsonLines(context);
    case 'json':
      return readJsonArray(context);
    case 'csv':
      return readDelimited(context, ',');
    case 'tsv':
      return readDelimited(context, '\t');
    case 'parquet':
      return readParquet(context);
  }
}
