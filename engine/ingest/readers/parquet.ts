// Reads the textField column of a .parquet file with hyparquet (for chat, the chat columns: messages, or instruction,
// input, output and system), one row group at a time so memory stays near one row group's text. A gzipped parquet
// file is inflated into the scratch folder first (parquet needs random access). Strings are decoded as strict UTF-8:
// a cell that is not fails the run with its row, like every other reader (hyparquet's own decoder would put U+FFFD in).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { decodeStrictUtf8 } from '../../../app/pipeline/bounded-json.ts';
import { isGzippedName } from '../../../app/datasets/file-format.ts';
import { printableAscii } from '../../../app/text/printable-ascii.ts';
import { addWholeDocument } from '../document-sink.ts';
import { readSourceBytes } from '../source-file.ts';
import { firstInvalidUtf8Offset } from '../utf8-chunks.ts';
import type { ReaderContext } from './reader-context.ts';

/** What to do about a parquet file hyparquet cannot decode. */
const DAMAGED = "the file is damaged or not a parquet file — re-export or re-download it, or remove it from the dataset's sources";

export async function readParquet(context: ReaderContext): Promise<void> {
  if (!isGzippedName(context.file.name)) return readParquetAt(context.file.path, context, context.onDiskBytes);
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
  const columns = columnsToRead(hyparquet.parquetSchema(metadata).children.map((child) => child.element.name), context);
  let rowStart = 0;
  let reportedBytes = 0;
  for (const [groupIndex, group] of metadata.row_groups.entries()) {
    context.signal.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await readRows(hyparquet.parquetRead, file, metadata, columns, rowStart, rowEnd).catch((error: unknown) => {
      const where = `row group ${groupIndex + 1} of ${metadata.row_groups.length} (rows ${rowStart + 1}–${rowEnd})`;
      const named = columns.map((column) => `"${column}"`).join(', ');
      throw new Error(`"${context.file.name}" ${where}: its ${named} column${columns.length > 1 ? 's' : ''} cannot be decoded (${reasonOf(error)}); ${DAMAGED}`);
    });
    for (const [offset, row] of rows.entries()) {
      const where = `"${context.file.name}" row ${rowStart + offset + 1}`;
      refuseInvalidUtf8(columns, row, where);
      const text = context.recordDocument(rowRecord(columns, row, context.content), where);
      if (text !== null) await addWholeDocument(context.sink, text);
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

function readRows(parquetRead: typeof import('hyparquet').parquetRead, file: AsyncBuffer, metadata: FileMetaData, columns: string[], rowStart: number, rowEnd: number): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    parquetRead({ file, metadata, columns, rowStart, rowEnd, parsers: STRICT_UTF8_PARSERS, onComplete: resolve }).catch(reject);
  });
}

/**
 * A string (or JSON) cell whose bytes are not UTF-8. The parser returns it instead of throwing, because hyparquet
 * decodes a whole page at once and would lose which row it was; refuseInvalidUtf8 finds it in its row.
 */
class InvalidUtf8Cell {
  constructor(readonly bytes: Uint8Array) {}
}

function decodeCell(bytes: Uint8Array): string | InvalidUtf8Cell {
  return decodeStrictUtf8(bytes) ?? new InvalidUtf8Cell(bytes);
}

/** Over hyparquet's defaults, which decode with a non-fatal TextDecoder. Absent (null) cells stay absent. */
const STRICT_UTF8_PARSERS = {
  stringFromBytes: (bytes: Uint8Array | undefined) => bytes && decodeCell(bytes),
  jsonFromBytes: (bytes: Uint8Array | undefined) => {
    if (!bytes) return bytes;
    const text = decodeCell(bytes);
    return text instanceof InvalidUtf8Cell ? text : (JSON.parse(text) as unknown);
  },
} satisfies Parameters<typeof import('hyparquet').parquetRead>[0]['parsers'];

/** Fails on the row's first cell that is not UTF-8, also inside a nested column (a chat "messages" list). */
function refuseInvalidUtf8(columns: string[], row: unknown[], where: string): void {
  columns.forEach((column, index) => {
    const invalid = invalidUtf8In(row[index]);
    if (invalid === null) return;
    const at = Math.max(0, firstInvalidUtf8Offset(invalid.bytes));
    const byte = (invalid.bytes[at] ?? 0).toString(16).padStart(2, '0');
    throw new Error(`${where}: not valid UTF-8 (column "${column}", byte 0x${byte} at byte offset ${at} of the value); re-export the file with its text as UTF-8 strings`);
  });
}

function invalidUtf8In(value: unknown): InvalidUtf8Cell | null {
  if (value instanceof InvalidUtf8Cell) return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = invalidUtf8In(item);
      if (found !== null) return found;
    }
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return invalidUtf8In(Object.values(value));
  }
  return null;
}

/** Columns a chat parquet file may hold; it needs "messages", or "instruction" and "output". */
const CHAT_COLUMNS = ['messages', 'instruction', 'input', 'output', 'system'];

/** The columns to read, in the order rows come back; a file without them fails with the columns it has. */
function columnsToRead(columns: readonly string[], context: ReaderContext): string[] {
  const listed = columns.slice(0, 20).map((name) => `"${name}"`).join(', ');
  if (context.content === 'chat') {
    const chat = columns.includes('messages') ? ['messages'] : CHAT_COLUMNS.filter((name) => columns.includes(name));
    if (chat.includes('messages') || (chat.includes('instruction') && chat.includes('output'))) return chat;
    throw new Error(`"${context.file.name}" has neither a "messages" column nor "instruction" and "output" columns (its columns: ${listed}); a chat dataset needs one of these layouts`);
  }
  if (columns.includes(context.textField)) return [context.textField];
  throw new Error(`"${context.file.name}" has no "${context.textField}" column (its columns: ${listed}); set the dataset's textField to the column that holds the text`);
}

/**
 * A row as the record the context reads. Chat: null cells are left out, and a "messages" cell holding JSON text (as
 * some exports write it) is parsed; a nested list of {role, content} structs arrives as objects already.
 */
function rowRecord(columns: string[], row: unknown[], content: 'text' | 'chat'): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  columns.forEach((column, index) => {
    const cell = row[index] ?? null;
    if (content === 'text') record[column] = cell;
    else if (cell !== null) record[column] = column === 'messages' && typeof cell === 'string' ? parseJsonCell(cell) : cell;
  });
  return record;
}

/** Unparseable JSON stays a string, which the chat record then refuses as "not a list". */
function parseJsonCell(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
