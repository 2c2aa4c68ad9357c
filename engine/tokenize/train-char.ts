// Builds a char tokenizer from a corpus: ids 0..C-1 are its code points sorted (as nanoGPT's shakespeare_char does),
// then `<unk>` for characters never seen in training, then the special tokens.
import { AddedTokenSplitter } from './added-token-splitter.ts';
import { CharTokenizer } from './char-tokenizer.ts';
import { DEFAULT_SPECIAL_TOKENS } from './train-bpe.ts';
import { specialAddedToken } from './tokenizer.ts';
import type { AddedToken } from './tokenizer.ts';

export const DEFAULT_UNK_TOKEN = '<unk>';

export interface CharTrainingOptions {
  specialTokens?: readonly string[];
  unkToken?: string;
}

/** Lone surrogates are left out of the vocabulary (tokenizer.json cannot hold them), so they encode as `<unk>`. */
export function trainChar(documents: Iterable<string> | string, options: CharTrainingOptions = {}): CharTokenizer {
  const specialTokens = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const unkToken = options.unkToken ?? DEFAULT_UNK_TOKEN;
  const controlTokens = [unkToken, ...specialTokens];
  const duplicate = controlTokens.find((token, index) => token === '' || controlTokens.indexOf(token) !== index);
  if (duplicate !== undefined) throw new Error(`char training: token ${JSON.stringify(duplicate)} is empty or listed twice among unkToken and specialTokens; give each once`);
  const characters = [...collectCodePoints(typeof documents === 'string' ? [documents] : documents, specialTokens)].sort((a, b) => a - b);
  const vocab = new Map(characters.map((codePoint, id) => [String.fromCodePoint(codePoint), id]));
  const addedTokens: AddedToken[] = controlTokens.map((content, index) => specialAddedToken(characters.length + index, content));
  for (const token of addedTokens) vocab.set(token.content, token.id);
  return new CharTokenizer({ vocab, unkToken, addedTokens });
}

function collectCodePoints(documents: Iterable<string>, specialTokens: readonly string[]): Set<number> {
  const seen = new Set<number>();
  const splitter = new AddedTokenSplitter(specialTokens.map((content, id) => specialAddedToken(id, content)));
  for (const document of documents) {
    splitter.forEachSegment(document, ({ start, end, addedTokenId }) => {
      if (addedTokenId !== undefined) return;
      for (let i = start; i < end; i++) {
        const codePoint = document.codePointAt(i) as number;
        if (codePoint > 0xffff) i++;
        else if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
        seen.add(codePoint);
      }
    });
  }
  return seen;
}
