// Public surface of the tokenizer core: the Tokenizer contract, training (BPE, char), and Hugging Face file I/O.
// Everything else in this folder is an implementation detail.
export type { AddedToken, Tokenizer } from './tokenizer.ts';
export { trainBpe, DEFAULT_MIN_FREQUENCY, DEFAULT_SPECIAL_TOKENS } from './train-bpe.ts';
export type { BpeTrainingOptions } from './train-bpe.ts';
export { trainChar, DEFAULT_UNK_TOKEN } from './train-char.ts';
export type { CharTrainingOptions } from './train-char.ts';
export { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
export type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';
export { buildTokenizerConfig, readTokenizerConfig, DEFAULT_MODEL_MAX_LENGTH } from './tokenizer-config.ts';
export type { TokenizerConfig, TokenizerConfigJson, TokenizerConfigOptions } from './tokenizer-config.ts';
export { GPT2_SPLIT_PATTERN } from './gpt2-pretokenizer.ts';
export { encodeFileToShard, encodeChunksToShard } from './parallel-encoder.ts';
export type { EncodeChunksOptions, EncodeFileOptions, EncodeProgress } from './parallel-encoder.ts';
export { ChunkCutter, lastSafeCut } from './text-chunks.ts';
export type { CutBefore, TextChunk } from './text-chunks.ts';
export { TokenShardWriter, readTokenShard, shardPaths, dtypeForVocabSize } from './token-shard.ts';
export type { TokenDtype, TokenShardSidecar } from './token-shard.ts';
export { tokenizerHash } from './tokenizer-hash.ts';
export { bytesToByteLevel, byteLevelToBytes } from './byte-level-alphabet.ts';
