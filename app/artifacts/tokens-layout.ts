// The Tokens artifact: `tokens.json` at its root (token counts per split, the vocabulary size and dtype, the
// document separator, which tokenizer produced the ids: its hash and its files in the artifact, and the dataset
// sources the corpus was read from), beside the train and val shards. The tokenizer node writes it; the trainer and
// the evaluator read it. The artifact's meta carries the token counts, the tokenizer's hash and the same sources,
// which a model's provenance keeps and its model card lists.
import type { CorpusSource } from './corpus-layout.ts';

/** The integer type of a shard's token ids: uint16 while the vocabulary fits. */
export type TokenDtype = 'uint16' | 'uint32';
export type TokenizerKind = 'byte-level-bpe' | 'char';

export const TOKENS_MANIFEST_FILE = 'tokens.json';
export const TOKENS_MANIFEST_FORMAT = 'crucible.tokens-artifact';

export interface TokensManifest {
  format: typeof TOKENS_MANIFEST_FORMAT;
  version: 1;
  vocabSize: number;
  dtype: TokenDtype;
  /** Shard files are relative to the artifact folder; each `.bin` has its `.json` sidecar. */
  train: { tokens: number; shard: string; sidecar: string };
  val: { tokens: number; shard: string; sidecar: string };
  /** The token put between documents, or null when documents run together. */
  documentSeparator: { token: string; id: number } | null;
  tokenizer: {
    hash: string;
    kind: TokenizerKind;
    source: 'trained' | 'pretrained';
    /** Copies of the Tokenizer artifact's files, relative to this artifact's folder. */
    tokenizerJson: string;
    tokenizerConfigJson: string;
  };
  /**
   * Chat corpora only: per split, a file of one uint8 per token id (1 = the token is a trained target, an assistant
   * token; 0 = context only), relative to this artifact's folder. Absent for plain text, where every token is trained.
   */
  lossMask?: { train: string; val: string };
  /** The files the corpus was read from, with their sha256 (the Corpus artifact's); empty for a corpus that did not record them. */
  sources: CorpusSource[];
}
