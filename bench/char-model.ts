// A random-weight GPT-2 model folder with a char tokenizer of tinyshakespeare, for benchmarks that time serving or
// decoding a real model folder, where what the weights say does not matter (bench:fleet, its autoscale section,
// bench:speculative).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeModelFolder } from '../engine/ml/export/model-folder.ts';
import { gpt2Config } from '../engine/ml/gpt2/config.ts';
import { initGpt2Parameters } from '../engine/ml/gpt2/parameters.ts';
import { trainChar } from '../engine/tokenize/train-char.ts';

const TINY_SHAKESPEARE = path.resolve(import.meta.dirname, '../../shared/data/tinyshakespeare.txt');
const BLOCK_SIZE = 256;
const SEED = 1337;

export interface CharModelShape {
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

/** nanoGPT's "nano" shape: fast enough to serve many streams on a few CPU threads. */
export const NANO_SHAPE: CharModelShape = { nLayer: 4, nHead: 4, nEmbd: 128 };
/** The 10.7M shape of nanoGPT's shakespeare_char config. */
export const SHAKESPEARE_CHAR_SHAPE: CharModelShape = { nLayer: 6, nHead: 6, nEmbd: 384 };

/**
 * Writes the model folder `folder` (block 256, seeded weights; its tokenizer.json is written beside it first, in the
 * parent folder, since writeModelFolder copies it in). Returns the end-of-text id, which benchmarks bias away so each
 * completion runs its full length.
 */
export function writeCharModel(folder: string, options: { shape: CharModelShape; bench: string }): { folder: string; eosId: number } {
  const tokenizer = trainChar(readFileSync(TINY_SHAKESPEARE, 'utf8'));
  const tokenizerJsonPath = path.join(path.dirname(folder), 'tokenizer.json');
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const config = gpt2Config({ vocabSize: tokenizer.vocabSize, blockSize: BLOCK_SIZE, ...options.shape });
  writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, SEED), tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance: { bench: options.bench } });
  const eosId = tokenizer.idOf('<|endoftext|>');
  if (eosId === undefined) throw new Error('bench char model: the char tokenizer has no <|endoftext|> token');
  return { folder, eosId };
}
