// Turns a split's documents into chunks that encode independently to exactly the ids of the whole split with the
// separator between documents: chunks end at a document boundary (the separator, an added token, starts the next
// chunk) or, inside a long document, at a cut no GPT-2 piece spans (lastSafeCut).
import { lastSafeCut, type TextChunk } from '../../tokenize/index.ts';
import type { SplitPiece } from './split-pieces.ts';

export interface SplitChunkOptions {
  /** About this many UTF-16 code units per chunk. */
  chunkChars: number;
  /** Put between documents; null runs documents together (then only cuts inside the text are safe). */
  separator: string | null;
  /** The tokenizer's added tokens: no cut may fall inside one. */
  addedTokens: readonly string[];
}

export function* splitChunks(pieces: Iterable<SplitPiece>, options: SplitChunkOptions): Generator<TextChunk> {
  const longestAddedToken = Math.max(0, ...options.addedTokens.map((token) => token.length));
  let pending = '';
  let bytesRead = 0;
  let firstDocument = true;
  for (const piece of pieces) {
    if (piece.startsDocument && !firstDocument && options.separator !== null) {
      if (pending.length >= options.chunkChars) {
        yield { text: pending, bytesRead };
        pending = '';
      }
      pending += options.separator;
    }
    firstDocument = false;
    bytesRead = piece.bytesRead;
    pending += piece.text;
    // Cuts stay an added token's length from the end, so a token still arriving cannot straddle one.
    while (pending.length > options.chunkChars) {
      const latest = pending.length - 1 - longestAddedToken;
      const withinChunk = lastSafeCut(pending, options.addedTokens, Math.min(options.chunkChars, latest));
      const cut = withinChunk > 0 ? withinChunk : lastSafeCut(pending, options.addedTokens, latest);
      if (cut <= 0) break;
      yield { text: pending.slice(0, cut), bytesRead };
      pending = pending.slice(cut);
    }
  }
  if (pending.length > 0) yield { text: pending, bytesRead };
}
