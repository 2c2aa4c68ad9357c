// Writes one split (train or val): its text file through a buffer, its document index, and its counts of
// documents, characters (code points, as counted while reading) and bytes.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusIndexFile, corpusTextFile, encodeDocumentBoundaries, type CorpusSplit, type SplitStats } from '../../app/artifacts/corpus-layout.ts';
import { BufferedFileWriter } from './buffered-file-writer.ts';
import { GrowableNumbers } from './growable-numbers.ts';

export class SplitWriter {
  private readonly boundaries = new GrowableNumbers();
  private characters = 0;

  private constructor(
    private readonly split: CorpusSplit,
    private readonly corpusDir: string,
    private readonly text: BufferedFileWriter,
  ) {
    this.boundaries.push(0);
  }

  static async create(corpusDir: string, split: CorpusSplit): Promise<SplitWriter> {
    return new SplitWriter(split, corpusDir, await BufferedFileWriter.create(path.join(corpusDir, corpusTextFile(split))));
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.text.writeBytes(bytes);
  }

  /** Ends the current document, `characters` long; an empty one is not recorded. */
  endDocument(characters: number): void {
    this.characters += characters;
    if (this.text.position > this.boundaries.at(this.boundaries.length - 1)) this.boundaries.push(this.text.position);
  }

  async close(): Promise<SplitStats> {
    await this.text.close();
    await writeFile(path.join(this.corpusDir, corpusIndexFile(this.split)), encodeDocumentBoundaries(this.boundaries.view()));
    return { documents: this.boundaries.length - 1, characters: this.characters, bytes: this.text.position };
  }

  async abandon(): Promise<void> {
    await this.text.abandon();
  }
}
