// The Tokenizer contract every kind (byte-level BPE, char) fulfils, and the added/special token record they share.
// Consumers (tokenizer node, shard encoder, serving) depend on this interface only.
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';

/** A token matched verbatim in the input before pre-tokenization (Hugging Face "added token"). */
export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens (e.g. `<|endoftext|>`) are control tokens; non-special added tokens are ordinary vocabulary. */
  special: boolean;
  /** Also swallow whitespace on the left / right of the match. */
  lstrip: boolean;
  rstrip: boolean;
  /** Match only when not inside a word. */
  singleWord: boolean;
}

export interface Tokenizer {
  readonly kind: 'byte-level-bpe' | 'char';
  /** One past the largest id; ids in [0, vocabSize) may be produced. */
  readonly vocabSize: number;
  readonly addedTokens: readonly AddedToken[];
  /** The token unseen input maps to; undefined for byte-level BPE, which can encode any text. */
  readonly unkToken: string | undefined;
  /** A space goes before each text encoded that does not start with one (Hugging Face's add_prefix_space). */
  readonly addsPrefixSpace: boolean;
  encode(text: string): number[];
  /** Ids outside the vocabulary throw; byte sequences that are not valid UTF-8 decode to U+FFFD. */
  decode(ids: ArrayLike<number>): string;
  /** The UTF-8 bytes token `id` stands for: a byte-level token may hold part of a character. Throws outside the vocabulary. */
  bytesOf(id: number): Uint8Array;
  idOf(token: string): number | undefined;
  tokenOf(id: number): string | undefined;
  toHuggingFaceJson(): HuggingFaceTokenizerJson;
}

/** A special token with the default Hugging Face flags (no stripping, matched anywhere). */
export function specialAddedToken(id: number, content: string): AddedToken {
  return { id, content, special: true, lstrip: false, rstrip: false, singleWord: false };
}
