// Assembles a Hugging Face tokenizer.json around a BPE model: the one layout both Crucible tokenizer kinds write
// (byte-level BPE and char), differing only in components, vocabulary, merges and unk token.
import type { AddedTokenJson, HuggingFaceTokenizerJson, TokenizerComponentJson } from './hugging-face-schema.ts';
import type { AddedToken } from './tokenizer.ts';

export function addedTokenToJson(token: AddedToken): AddedTokenJson {
  return { id: token.id, content: token.content, single_word: token.singleWord, lstrip: token.lstrip, rstrip: token.rstrip, normalized: false, special: token.special };
}

export interface BpeTokenizerJsonParts {
  addedTokens: readonly AddedToken[];
  preTokenizer: TokenizerComponentJson | null;
  postProcessor: TokenizerComponentJson | null;
  decoder: TokenizerComponentJson;
  vocab: ReadonlyMap<string, number>;
  merges: (string | [string, string])[];
  unkToken: string | null;
  ignoreMerges: boolean;
}

export function bpeTokenizerJson(parts: BpeTokenizerJsonParts): HuggingFaceTokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...parts.addedTokens].sort((a, b) => a.id - b.id).map(addedTokenToJson),
    normalizer: null,
    pre_tokenizer: parts.preTokenizer,
    post_processor: parts.postProcessor,
    decoder: parts.decoder,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: parts.unkToken,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: parts.ignoreMerges,
      vocab: Object.fromEntries([...parts.vocab].sort((a, b) => a[1] - b[1])),
      merges: parts.merges,
    },
  };
}
