// Receives documents from the readers, applies the length filters and dedup, and appends the documents it keeps
// to one file (with their end offsets). A rejected document is rewound out of the file, so nothing is ever held
// whole in memory.
import { createHash, type Hash } from 'node:crypto';
import type { BufferedFileWriter } from './buffered-file-writer.ts';
import { DigestSet } from './dedupe/digest-set.ts';
import { LshIndex } from './dedupe/lsh-index.ts';
import { MinHashSketch } from './dedupe/minhash.ts';
import type { DocumentSink } from './document-sink.ts';
import { GrowableNumbers } from './growable-numbers.ts';

export interface ProcessingOptions {
  dedupe: 'none' | 'exact' | 'near';
  nearThreshold: number;
  minChars: number;
  /** 0 means no limit. */
  maxChars: number;
}

export interface ProcessingCounts {
  documentsRead: number;
  empty: number;
  tooShort: number;
  tooLong: number;
  exactDuplicates: number;
  nearDuplicates: number;
  kept: number;
}

export class DocumentProcessor implements DocumentSink {
  readonly counts: ProcessingCounts = { documentsRead: 0, empty: 0, tooShort: 0, tooLong: 0, exactDuplicates: 0, nearDuplicates: 0, kept: 0 };
  /** End offset of every kept document in the kept file, and its length in code points. */
  readonly documentEnds = new GrowableNumbers();
  readonly documentCharacters = new GrowableNumbers();
  private readonly digests = new DigestSet();
  private readonly nearIndex: LshIndex | null;
  private readonly sketch = new MinHashSketch();
  private hasher: Hash | null = null;
  private documentStart = 0;
  private characterCount = 0;
  private open = false;
  private overLimit = false;

  constructor(
    private readonly kept: BufferedFileWriter,
    private readonly options: ProcessingOptions,
  ) {
    this.nearIndex = options.dedupe === 'near' ? new LshIndex(options.nearThreshold) : null;
  }

  beginDocument(): void {
    if (this.open) throw new Error('dataset internal error: a document began before the previous one ended');
    this.open = true;
    this.overLimit = false;
    this.characterCount = 0;
    this.documentStart = this.kept.position;
    this.hasher = this.options.dedupe === 'none' ? null : createHash('sha256');
    if (this.nearIndex) this.sketch.reset();
  }

  async appendText(text: string): Promise<void> {
    if (this.overLimit || text.length === 0) return;
    this.characterCount += countCodePoints(text);
    if (this.options.maxChars > 0 && this.characterCount > this.options.maxChars) {
      this.overLimit = true;
      this.kept.rewindTo(this.documentStart);
      return;
    }
    const bytes = await this.kept.writeText(text);
    this.hasher?.update(bytes);
    if (this.nearIndex) this.sketch.add(text);
  }

  async endDocument(): Promise<void> {
    this.open = false;
    this.counts.documentsRead++;
    const rejection = this.rejectionReason();
    if (rejection) {
      this.counts[rejection]++;
      this.kept.rewindTo(this.documentStart);
      return;
    }
    this.counts.kept++;
    this.documentEnds.push(this.kept.position);
    this.documentCharacters.push(this.characterCount);
  }

  private rejectionReason(): 'tooLong' | 'empty' | 'tooShort' | 'exactDuplicates' | 'nearDuplicates' | null {
    if (this.overLimit) return 'tooLong';
    if (this.characterCount === 0) return 'empty';
    if (this.characterCount < this.options.minChars) return 'tooShort';
    if (this.hasher && !this.digests.add(this.hasher.digest())) return 'exactDuplicates';
    if (this.nearIndex?.addUnlessNearDuplicate(this.sketch.signature())) return 'nearDuplicates';
    return null;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Unicode code points in a string: what "characters" means in the stats and the length filters (as in Python). */
export function countCodePoints(text: string): number {
  // Most text has no astral characters; the regex scan is native and much faster than a loop over the string.
  if (!SURROGATE.test(text)) return text.length;
  let pairs = 0;
  for (let index = 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xdc00 && code <= 0xdfff) {
      const previous = text.charCodeAt(index - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) pairs++;
    }
  }
  return text.length - pairs;
}
