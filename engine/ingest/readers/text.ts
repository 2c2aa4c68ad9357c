// Reads .txt/.md files as documents: a whole file per document, paragraphs separated by blank lines, or (with
// documentSplit "none") every text file joined into one document, a newline between files that lack one.
import type { DocumentSink } from '../document-sink.ts';
import { BlankLineSplitter } from './blank-line-splitter.ts';
import { readFileText, type ReaderContext } from './reader-context.ts';

export async function readTextFile(context: ReaderContext, split: 'file' | 'blank-lines'): Promise<void> {
  if (split === 'blank-lines') {
    const splitter = new BlankLineSplitter(context.sink);
    for await (const chunk of readFileText(context, 'full')) await splitter.push(chunk);
    await splitter.finish();
    return;
  }
  context.sink.beginDocument();
  for await (const chunk of readFileText(context, 'full')) await context.sink.appendText(chunk);
  await context.sink.endDocument();
}

/** One document made of several text files, for documentSplit "none". */
export class JoinedTextDocument {
  private started = false;
  private endsWithNewline = true;

  constructor(private readonly sink: DocumentSink) {}

  async appendFile(context: ReaderContext): Promise<void> {
    if (!this.started) {
      this.sink.beginDocument();
      this.started = true;
    }
    let separatorDue = !this.endsWithNewline;
    for await (const chunk of readFileText(context, 'full')) {
      await this.sink.appendText(separatorDue ? `\n${chunk}` : chunk);
      separatorDue = false;
      this.endsWithNewline = chunk.endsWith('\n');
    }
  }

  async end(): Promise<void> {
    if (this.started) await this.sink.endDocument();
  }
}
