// `tokens.json`, the small summary at the root of a Tokens artifact: token counts per split, the vocabulary size
// and dtype, the document separator, and which tokenizer produced the ids (its hash and its files in the artifact).
import type { EncodedSplit, TokenizerHandle } from '../services/tokenizer-service.ts';

export const TOKENS_MANIFEST_FILE = 'tokens.json';
export const TOKENS_MANIFEST_FORMAT = 'crucible.tokens-artifact';

export interface TokensManifest {
  format: typeof TOKENS_MANIFEST_FORMAT;
  version: 1;
  vocabSize: number;
  dtype: EncodedSplit['dtype'];
  /** Shard files are relative to the artifact folder; each `.bin` has its `.json` sidecar. */
  train: { tokens: number; shard: string; sidecar: string };
  val: { tokens: number; shard: string; sidecar: string };
  /** The token put between documents, or null when documents run together. */
  documentSeparator: { token: string; id: number } | null;
  tokenizer: {
    hash: string;
    kind: TokenizerHandle['kind'];
    source: 'trained' | 'pretrained';
    /** Copies of the Tokenizer artifact's files, relative to this artifact's folder. */
    tokenizerJson: string;
    tokenizerConfigJson: string;
  };
}

export interface TokensManifestInput {
  tokenizer: TokenizerHandle;
  source: 'trained' | 'pretrained';
  separator: string | null;
  train: EncodedSplit;
  val: EncodedSplit;
}

export function buildTokensManifest(input: TokensManifestInput): TokensManifest {
  const separatorId = input.separator === null ? undefined : input.tokenizer.idOf(input.separator);
  return {
    format: TOKENS_MANIFEST_FORMAT,
    version: 1,
    vocabSize: input.tokenizer.vocabSize,
    dtype: input.train.dtype,
    train: { tokens: input.train.tokens, shard: 'train.bin', sidecar: 'train.json' },
    val: { tokens: input.val.tokens, shard: 'val.bin', sidecar: 'val.json' },
    documentSeparator: input.separator === null || separatorId === undefined ? null : { token: input.separator, id: separatorId },
    tokenizer: {
      hash: input.tokenizer.hash,
      kind: input.tokenizer.kind,
      source: input.source,
      tokenizerJson: 'tokenizer.json',
      tokenizerConfigJson: 'tokenizer_config.json',
    },
  };
}
