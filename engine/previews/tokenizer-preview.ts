// The tokenizer node's outputs as the studio previews them: the Tokenizer's vocabulary size and special tokens; the
// Tokens artifact's token counts, tokens per character and most frequent tokens over the start of the train split;
// and typed text split into tokens with the output's own tokenizer.
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TOKENS_MANIFEST_FILE, type TokensManifest } from '../../app/artifacts/tokens-layout.ts';
import type { TokenizedText, TokenizerPreview, TokensPreview } from '../../app/protocol/preview-api.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../tokenize/index.ts';

/** Train tokens counted for the frequencies and tokens per character. */
export const COUNTED_TOKENS = 1_000_000;
export const TOP_TOKENS = 20;

/** Parsed tokenizers by file, a few at a time: outputs never change once written, and typing asks again and again. */
const loaded = new Map<string, Promise<Tokenizer>>();
const MAX_LOADED = 4;

async function tokenizerAt(file: string): Promise<Tokenizer> {
  let tokenizer = loaded.get(file);
  if (!tokenizer) {
    tokenizer = readFile(file, 'utf8').then((text) => loadHuggingFaceTokenizer(text, file));
    tokenizer.catch(() => loaded.delete(file));
    loaded.set(file, tokenizer);
    if (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  }
  return tokenizer;
}

/** tokenizer.json of a Tokenizer output, or the copy a Tokens output carries. */
async function tokenizerFileOf(folder: string, type: string): Promise<string> {
  if (type !== 'Tokens') return path.join(folder, 'tokenizer.json');
  return path.join(folder, (await readManifest(folder)).tokenizer.tokenizerJson);
}

async function readManifest(folder: string): Promise<TokensManifest> {
  return JSON.parse(await readFile(path.join(folder, TOKENS_MANIFEST_FILE), 'utf8')) as TokensManifest;
}

export async function tokenizerPreview(folder: string): Promise<TokenizerPreview> {
  const tokenizer = await tokenizerAt(path.join(folder, 'tokenizer.json'));
  return { kind: 'tokenizer', vocabSize: tokenizer.vocabSize, tokenizerKind: tokenizer.kind, specialTokens: tokenizer.addedTokens.filter((token) => token.special).map((token) => token.content) };
}

export async function tokensPreview(folder: string): Promise<TokensPreview> {
  const manifest = await readManifest(folder);
  const tokenizer = await tokenizerAt(path.join(folder, manifest.tokenizer.tokenizerJson));
  const ids = await readShardHead(path.join(folder, manifest.train.shard), manifest.dtype, COUNTED_TOKENS);
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const topTokens = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, TOP_TOKENS)
    .map(([id, count]) => ({ id, token: tokenizer.decode([id]), count }));
  const characters = [...tokenizer.decode(ids)].length;
  return {
    kind: 'tokens',
    vocabSize: manifest.vocabSize,
    tokenizerKind: manifest.tokenizer.kind,
    trainTokens: manifest.train.tokens,
    valTokens: manifest.val.tokens,
    tokensPerCharacter: characters > 0 ? ids.length / characters : null,
    topTokens,
    tokensCounted: ids.length,
  };
}

export async function tokenizeWith(folder: string, type: string, text: string): Promise<TokenizedText> {
  const tokenizer = await tokenizerAt(await tokenizerFileOf(folder, type));
  const tokens = tokenizer.encode(text).map((id) => ({ id, text: tokenizer.decode([id]) }));
  return { tokens, characters: [...text].length };
}

/** The first `maxTokens` ids of a shard's .bin (little-endian, as the writer stores them). */
async function readShardHead(binPath: string, dtype: TokensManifest['dtype'], maxTokens: number): Promise<number[]> {
  const width = dtype === 'uint16' ? 2 : 4;
  const handle = await open(binPath, 'r');
  try {
    const { size } = await handle.stat();
    const count = Math.min(Math.floor(size / width), maxTokens);
    const buffer = Buffer.alloc(count * width);
    await handle.read(buffer, 0, buffer.length, 0);
    const ids: number[] = new Array<number>(count);
    for (let index = 0; index < count; index++) ids[index] = width === 2 ? buffer.readUInt16LE(index * 2) : buffer.readUInt32LE(index * 4);
    return ids;
  } finally {
    await handle.close();
  }
}
