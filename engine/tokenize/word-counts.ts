// Counts GPT-2 pieces ("words") over documents for BPE training; special tokens are cut out first so no merge ever
// spans one. Each input string is one document (or a chunk that ends on whitespace).
import { AddedTokenSplitter } from './added-token-splitter.ts';
import { gpt2PieceEnd } from './gpt2-pretokenizer.ts';
import { specialAddedToken } from './tokenizer.ts';

export function countGpt2Words(documents: Iterable<string>, specialTokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const splitter = new AddedTokenSplitter(specialTokens.map((content, id) => specialAddedToken(id, content)));
  for (const document of documents) {
    splitter.forEachSegment(document, ({ start, end, addedTokenId }) => {
      if (addedTokenId !== undefined) return;
      for (let pieceStart = start; pieceStart < end; ) {
        const pieceEnd = gpt2PieceEnd(document, pieceStart, end);
        const piece = document.slice(pieceStart, pieceEnd);
        counts.set(piece, (counts.get(piece) ?? 0) + 1);
        pieceStart = pieceEnd;
      }
    });
  }
  return counts;
}
