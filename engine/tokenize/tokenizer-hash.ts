// A stable fingerprint of a tokenizer: sha256 of its tokenizer.json. Shards record it so a model is never trained
// on ids from a different vocabulary.
import { createHash } from 'node:crypto';
import type { Tokenizer } from './tokenizer.ts';

export function tokenizerHash(tokenizer: Tokenizer): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(tokenizer.toHuggingFaceJson())).digest('hex')}`;
}
