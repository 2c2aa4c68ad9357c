// Whether token shards were made by a model's tokenizer: the shards record their tokenizer's hash, a model folder
// carries its tokenizer.json. Distillation (teacher) and fine-tuning (base model) refuse tokens from another one, each
// in its own words; a same-size foreign vocabulary is caught too, since the hash covers the whole tokenizer.

import { loadHuggingFaceTokenizer, tokenizerHash } from '../../tokenize/index.ts';

export interface TokenizerMismatchMessages {
  /** The model folder has no tokenizer.json to compare with. */
  missing: string;
  /** The hashes differ. */
  differs: string;
}

/** Throws the caller's message unless the model's tokenizer.json hashes to the tokens' tokenizer hash. */
export function checkTokensTokenizer(model: { folder: string; tokenizerJson: string | null }, tokensTokenizerHash: string, messages: TokenizerMismatchMessages): void {
  if (model.tokenizerJson === null) throw new Error(messages.missing);
  const modelHash = tokenizerHash(loadHuggingFaceTokenizer(JSON.parse(model.tokenizerJson), `${model.folder}/tokenizer.json`));
  if (modelHash !== tokensTokenizerHash) throw new Error(messages.differs);
}
