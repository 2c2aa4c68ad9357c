// Reads the textField column of a .parquet file with hyparquet, one row group at a time so memory stays near one
// row group's text. A gzipped parquet file is inflated into the scratch folder first (parquet needs random access).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { printableAscii } from '../../../app/text/printable-ascii.ts';
import { addWholeDocument } from '../document-sink.ts';
import { isGzipped, readSourceBytes } from '../source-file.ts';
import type { ReaderContext } from './reader-context.ts';
import { recordText } from './record-text.ts';

/** What to do about a parquet file hyparquet cannot decode. */
const DAMAGED = "the file is damaged or not a parquet file — re-export or re-download it, or remove it from the dataset's sources";

export async function readParquet(context: ReaderContext): Promise<void> {
  if (!isGzipped(context.file.name)) return readParquetAt(context.file.path, context, context.onDiskBytes);
  const inflated = path.join(context.scratchDir, `inflated-${process.pid}-${Date.now()}.parquet`);
  try {
    await pipeline(readSourceBytes(context.file, context.onDiskBytes, context.signal), createWriteStream(inflated));
    await readParquetAt(inflated, context, () => undefined);
  } finally {
    await rm(inflated, { force: true });
  }
}

async function readParquetAt(filePath: string, context: ReaderContext, onDiskBytes: (count: number) => void): Promise<void> {
  // Loaded here, not at the top: only parquet sources need it, and every command and engine start would pay for it.
  const hyparquet = await import('hyparquet');
  const file = await hyparquet.asyncBufferFromFile(filePath);
  let metadata: FileMetaData;
  try {
    metadata = await hyparquet.parquetMetadataAsync(file);
  } catch (error) {
    throw new Error(`"${context.file.name}" is not a readable parquet file (${reasonOf(error)}); ${DAMAGED}`);
  }
  assertHasColumn(hyparquet.parquetSchema(metadata).children.map((child) => child.element.name), context);
  let rowStart = 0;
  let reportedBytes = 0;
  for (const [groupIndex, group] of metadata.row_groups.entries()) {
    context.signal.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await readRows(hyparquet.parquetRead, file, metadata, context.textField, rowStart, rowEnd).catch((error: unknown) => {
      const where = `row group ${groupIndex + 1} of ${metadata.row_groups.length} (rows ${rowStart + 1}–${rowEnd})`;
      throw new Error(`"${context.file.name}" ${where}: its "${context.textField}" column cannot be decoded (${reasonOf(error)}); ${DAMAGED}`);
    });
    for (const [offset, row] of rows.entries()) {
      const where = `"${context.file.name}" row ${rowStart + offset + 1}`;
      await addWholeDocument(context.sink, recordText({ [context.textField]: row[0] ?? null }, context.textField, where, context.normalization));
    }
    const bytesSoFar = Math.round((context.file.bytes * (groupIndex + 1)) / metadata.row_groups.length);
    onDiskBytes(bytesSoFar - reportedBytes);
    reportedBytes = bytesSoFar;
    rowStart = rowEnd;
  }
}

/** hyparquet's reason, quoted safely: a damaged file's bytes can end up in its messages. */
function reasonOf(error: unknown): string {
  return printableAscii(error instanceof Error ? error.message : String(error), 120);
}

function readRows(parquetRead: typeof import('hyparquet').parquetRead, file: AsyncBuffer, metadata: FileMetaData, column: string, rowStart: number, rowEnd: number): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    parquetRead({ file, metadata, columns: [column], rowStart, rowEnd, onComplete: resolve }).catch(reject);
  });
}

function assertHasColumn(columns: readonly string[], context: ReaderContext): void {
  if (columns.includes(context.textField)) return;
  const listed = columns.slice(0, 20).map((name) => `"${name}"`).join(', ');
  throw new Error(`"${context.file.name}" has no "${context.textField}" column (its columns: ${listed}); set the dataset's textField to the column that holds the text`);
}
