// Builds a Tokens artifact's `tokens.json` (its layout: app/artifacts/tokens-layout.ts) from what the tokenizer run made.
import type { CorpusSource } from '../../app/artifacts/corpus-layout.ts';
import { TOKENS_MANIFEST_FORMAT, type TokensManifest } from '../../app/artifacts/tokens-layout.ts';
import type { EncodedSplit, TokenizerHandle } from '../capabilities/tokenizer.ts';

export interface TokensManifestInput {
  tokenizer: TokenizerHandle;
  source: 'trained' | 'pretrained';
  separator: string | null;
  train: EncodedSplit;
  val: EncodedSplit;
  /** What the Corpus artifact recorded of its sources. */
  sources: CorpusSource[];
  /** Chat corpora: each split's loss mask file, relative to the artifact. */
  lossMask?: { train: string; val: string } | undefined;
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
    ...(input.lossMask ? { lossMask: input.lossMask } : {}),
    sources: input.sources,
  };
}
