// What every format reader receives, and the shared first steps of reading a file as text: bytes (inflated when
// gzipped), strict UTF-8 decoding with byte offsets in errors, and optional streaming cleanup.
import type { DocumentSink } from '../document-sink.ts';
import { readSourceBytes, type SourceFile } from '../source-file.ts';
import { StreamingTextCleaner, type UnicodeNormalization } from '../text-cleaning.ts';
import { decodeUtf8Chunks } from '../utf8-chunks.ts';

export interface ReaderContext {
  file: SourceFile;
  sink: DocumentSink;
  /** Field of a JSON record, or column of a CSV/parquet file, that holds the text. */
  textField: string;
  normalization: UnicodeNormalization;
  signal: AbortSignal;
  onDiskBytes(count: number): void;
  /** A folder for temporary files (a gzipped parquet file is inflated there). */
  scratchDir: string;
  /** "chat": records are conversations (chat-record.ts) and parquet files are read by their chat columns. */
  content: 'text' | 'chat';
  /**
   * The document text of a JSON record or parquet row (`where` names it, e.g. `"a.jsonl" line 3`), or null for a chat
   * record that is not a conversation: it is counted and the dataset fails once every file is read (chat-problems.ts).
   */
  recordDocument(record: unknown, where: string): string | null;
}

/** The file's text; `clean` normalizes newlines (and NFC as configured), otherwise the decoded text is unchanged. */
export async function* readFileText(context: ReaderContext, clean: 'newlines' | 'full' | 'none'): AsyncGenerator<string> {
  const bytes = readSourceBytes(context.file, context.onDiskBytes, context.signal);
  const decoded = decodeUtf8Chunks(bytes, context.file.name);
  if (clean === 'none') {
    yield* decoded;
    return;
  }
  const cleaner = new StreamingTextCleaner(clean === 'full' ? context.normalization : 'none');
  for await (const chunk of decoded) {
    const cleaned = cleaner.push(chunk);
    if (cleaned.length > 0) yield cleaned;
  }
  const rest = cleaner.flush();
  if (rest.length > 0) yield rest;
}

/** Longest single record (JSON line, CSV row, JSON array element) read into memory before failing clearly. */
export const MAX_RECORD_CHARS = 256 * 1024 * 1024;
