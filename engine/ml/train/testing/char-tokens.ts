// Test support: writes a Tokens artifact (train/val char shards and tokenizer.json) from a text, as the tokenizer
// node will, so trainer tests and the end-to-end pipeline test have data before that node lands.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tokenizerHash, trainChar, TokenShardWriter } from '../../../tokenize/index.ts';

export interface CharTokensArtifact {
  folder: string;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
}

/** Splits `text` at (1 - valFraction) by characters, like nanoGPT's prepare.py, and encodes both parts. */
export function writeCharTokensArtifact(folder: string, text: string, valFraction = 0.1): CharTokensArtifact {
  mkdirSync(folder, { recursive: true });
  const tokenizer = trainChar(text, { specialTokens: [] });
  const characters = [...text];
  const splitAt = Math.floor(characters.length * (1 - valFraction));
  const hash = tokenizerHash(tokenizer);
  const counts = (['train', 'val'] as const).map((split) => {
    const part = split === 'train' ? characters.slice(0, splitAt) : characters.slice(splitAt);
    const writer = new TokenShardWriter(path.join(folder, split), tokenizer.vocabSize, hash);
    writer.append(tokenizer.encode(part.join('')));
    return writer.finish().count;
  });
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer.toHuggingFaceJson()));
  return { folder, vocabSize: tokenizer.vocabSize, trainTokens: counts[0] as number, valTokens: counts[1] as number };
}
