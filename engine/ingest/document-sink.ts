// Where readers put documents. A document arrives as begin, any number of text pieces, end, so a document larger
// than memory (a 2 GB text file read as one document) never has to exist as one string.
export interface DocumentSink {
  beginDocument(): void;
  /** Text that is already cleaned (newlines normalized, NFC applied as configured). */
  appendText(text: string): Promise<void>;
  endDocument(): Promise<void>;
}

export async function addWholeDocument(sink: DocumentSink, text: string): Promise<void> {
  sink.beginDocument();
  await sink.appendText(text);
  await sink.endDocument();
}
