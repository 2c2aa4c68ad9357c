// Reads JSON Lines: one record per line, blank lines skipped. A malformed line or a record without the text field
// fails with the file and line number.
import { addWholeDocument } from '../document-sink.ts';
import { MAX_RECORD_CHARS, readFileText, type ReaderContext } from './reader-context.ts';

export async function readJsonLines(context: ReaderContext): Promise<void> {
  let lineNumber = 0;
  for await (const line of splitLines(readFileText(context, 'none'), context.file.name)) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    const where = `"${context.file.name}" line ${lineNumber}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: malformed JSON (${(error as Error).message}); each line of a .jsonl file must be one JSON object`);
    }
    const text = context.recordDocument(record, where);
    if (text !== null) await addWholeDocument(context.sink, text);
  }
}

/** Whole lines from text chunks, without their line ending (LF or CRLF). */
export async function* splitLines(chunks: AsyncIterable<string>, fileName: string): AsyncGenerator<string> {
  let partial: string[] = [];
  let partialChars = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      partial.push(chunk.slice(start, newline));
      yield stripCarriageReturn(partial.join(''));
      partial = [];
      partialChars = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      partial.push(chunk.slice(start));
      partialChars += chunk.length - start;
      if (partialChars > MAX_RECORD_CHARS) throw new Error(`"${fileName}" has a line longer than ${MAX_RECORD_CHARS} characters; one record must fit in memory`);
    }
  }
  if (partial.length > 0) yield stripCarriageReturn(partial.join(''));
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
