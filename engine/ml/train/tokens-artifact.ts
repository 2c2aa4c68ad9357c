// The files of a Tokens artifact as the trainer reads them: train and val shards, their loss masks (chat corpora) and
// the tokenizer that produced them, located through the artifact's tokens.json manifest (app/artifacts/tokens-layout.ts)
// when it has one.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TOKENS_MANIFEST_FILE, type TokensManifest } from '../../../app/artifacts/tokens-layout.ts';

export interface TokensArtifactPaths {
  /** Shard bases (without .bin/.json). */
  trainBase: string;
  valBase: string;
  /** Each split's loss mask (one uint8 per id, 1 = a trained target), or null for plain text where every id is trained. */
  trainMask: string | null;
  valMask: string | null;
  /** The tokenizer's files, or null when the artifact carries none. */
  tokenizerJson: string | null;
  tokenizerConfigJson: string | null;
}

const DEFAULT_FILES = { train: 'train.bin', val: 'val.bin', tokenizerJson: 'tokenizer.json', tokenizerConfigJson: 'tokenizer_config.json' };

export function tokensArtifactPaths(folder: string): TokensArtifactPaths {
  const manifestPath = path.join(folder, TOKENS_MANIFEST_FILE);
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as TokensManifest) : null;
  const files = manifest === null
    ? DEFAULT_FILES
    : { train: manifest.train.shard, val: manifest.val.shard, tokenizerJson: manifest.tokenizer.tokenizerJson, tokenizerConfigJson: manifest.tokenizer.tokenizerConfigJson };
  const optional = (name: string): string | null => (existsSync(path.join(folder, name)) ? path.join(folder, name) : null);
  return {
    trainBase: shardBase(folder, files.train),
    valBase: shardBase(folder, files.val),
    trainMask: maskPath(folder, manifest?.lossMask?.train),
    valMask: maskPath(folder, manifest?.lossMask?.val),
    tokenizerJson: optional(files.tokenizerJson),
    tokenizerConfigJson: optional(files.tokenizerConfigJson),
  };
}

function shardBase(folder: string, shardFile: string): string {
  const base = path.join(folder, shardFile.replace(/\.bin$/, ''));
  if (!existsSync(`${base}.bin`) || !existsSync(`${base}.json`)) {
    throw new Error(`tokens artifact ${folder}: ${path.basename(base)}.bin and its ${path.basename(base)}.json sidecar are required; re-run the tokenizer node that produced it`);
  }
  return base;
}

function maskPath(folder: string, maskFile: string | undefined): string | null {
  if (maskFile === undefined) return null;
  const file = path.join(folder, maskFile);
  if (!existsSync(file)) throw new Error(`tokens artifact ${folder}: tokens.json names the loss mask ${maskFile}, which is missing; re-run the tokenizer node that produced it`);
  return file;
}
