// Turns a split's documents into chunks that encode independently to exactly the ids of the whole split with the
// separator between documents: chunks end at a document boundary (the separator, an added token, starts the next
// chunk) or, inside a long document, at a cut no GPT-2 piece spans (text-chunks.ts ChunkCutter).
import { ChunkCutter, type CutBefore, type TextChunk } from '../../tokenize/index.ts';
import type { SplitPiece } from './split-pieces.ts';

export interface SplitChunkOptions {
  /** About this many UTF-16 code units per chunk. */
  chunkChars: number;
  /** Put between documents; null runs documents together (then only cuts inside the text are safe). */
  separator: string | null;
  /** The tokenizer's added tokens: no cut may fall inside one. */
  addedTokens: readonly string[];
  /** 'space' for a tokenizer that adds a prefix space (text-chunks.ts); 'whitespace' when absent. */
  cutBefore?: CutBefore;
}

export function* splitChunks(pieces: Iterable<SplitPiece>, options: SplitChunkOptions): Generator<TextChunk> {
  const cutter = new ChunkCutter(options.chunkChars, options.addedTokens, options.cutBefore);
  let pending = '';
  let bytesRead = 0;
  let firstDocument = true;
  for (const piece of pieces) {
    if (piece.startsDocument && !firstDocument && options.separator !== null) {
      if (pending.length >= options.chunkChars) {
        yield { text: pending, bytesRead };
        pending = '';
        cutter.startOver();
      }
      pending += options.separator;
    }
    firstDocument = false;
    bytesRead = piece.bytesRead;
    pending += piece.text;
    for (let cut = cutter.next(pending); cut > 0; cut = cutter.next(pending)) {
      yield { text: pending.slice(0, cut), bytesRead };
      pending = pending.slice(cut);
    }
  }
  if (pending.length > 0) yield { text: pending, bytesRead };
}
