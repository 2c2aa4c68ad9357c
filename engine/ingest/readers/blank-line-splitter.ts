// Cuts streamed text into paragraphs: a document ends at a line holding only whitespace. The blank lines and the
// newline that ends a paragraph's last line belong to no document; leading whitespace of a first line is kept.
import type { DocumentSink } from '../document-sink.ts';

const NON_WHITESPACE = /\S/;

export class BlankLineSplitter {
  private inDocument = false;
  /** The current line has only whitespace so far, held in `heldWhitespace` until the line proves blank or not. */
  private lineBlankSoFar = true;
  private heldWhitespace = '';
  /** A paragraph line ended; its newline is written only if another line of the same paragraph follows. */
  private pendingNewline = false;
  private pieces: string[] = [];

  constructor(private readonly sink: DocumentSink) {}

  async push(text: string): Promise<void> {
    let start = 0;
    while (start <= text.length) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      if (end > start) this.addToLine(text.slice(start, end));
      if (newline === -1) break;
      await this.endLine();
      start = newline + 1;
    }
    if (this.inDocument && this.pieces.length > 0) await this.sink.appendText(this.takePieces());
  }

  async finish(): Promise<void> {
    if (this.inDocument) await this.endDocument();
  }

  private addToLine(segment: string): void {
    if (!this.lineBlankSoFar) {
      this.pieces.push(segment);
      return;
    }
    if (!NON_WHITESPACE.test(segment)) {
      this.heldWhitespace += segment;
      return;
    }
    if (!this.inDocument) {
      this.sink.beginDocument();
      this.inDocument = true;
    } else if (this.pendingNewline) {
      this.pieces.push('\n');
    }
    this.pieces.push(this.heldWhitespace, segment);
    this.heldWhitespace = '';
    this.pendingNewline = false;
    this.lineBlankSoFar = false;
  }

  private async endLine(): Promise<void> {
    if (this.lineBlankSoFar) {
      if (this.inDocument) await this.endDocument();
    } else {
      this.pendingNewline = true;
    }
    this.lineBlankSoFar = true;
    this.heldWhitespace = '';
  }

  private async endDocument(): Promise<void> {
    if (this.pieces.length > 0) await this.sink.appendText(this.takePieces());
    await this.sink.endDocument();
    this.inDocument = false;
    this.pendingNewline = false;
  }

  private takePieces(): string {
    const text = this.pieces.join('');
    this.pieces = [];
    return text;
  }
}
