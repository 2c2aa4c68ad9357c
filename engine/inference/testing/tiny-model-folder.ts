// Test support: writes a tiny GPT-2 model folder (random weights, a byte-level BPE tokenizer trained on a few
// lines) to a temporary directory, so runtime and serving tests never need committed model binaries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gpt2Config, type Gpt2Config } from '../../ml/gpt2/config.ts';
import { initGpt2Parameters } from '../../ml/gpt2/parameters.ts';
import { writeModelFolder } from '../../ml/export/model-folder.ts';
import { trainBpe } from '../../tokenize/train-bpe.ts';

const TRAINING_TEXT = `First Citizen: Before we proceed any further, hear me speak.
All: Speak, speak. You are all resolved rather to die than to famish?
First Citizen: First, you know Caius Marcius is chief enemy to the people. Café, naïve, über — ok.`;

export interface TinyModelFolder {
  folder: string;
  config: Gpt2Config;
  /** Removes the temporary directory. */
  remove(): void;
}

export function writeTinyModelFolder(options: { seed?: number; nLayer?: number; nEmbd?: number; blockSize?: number } = {}): TinyModelFolder {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-inference-'));
  const tokenizer = trainBpe(TRAINING_TEXT, { vocabSize: 300, minFrequency: 2 });
  const tokenizerJsonPath = path.join(root, 'tokenizer.json');
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const config = gpt2Config({ vocabSize: tokenizer.vocabSize, nLayer: options.nLayer ?? 2, nHead: 2, nEmbd: options.nEmbd ?? 16, blockSize: options.blockSize ?? 64 });
  const folder = path.join(root, 'model');
  writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, options.seed ?? 11), tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance: { test: true } });
  return { folder, config, remove: () => rmSync(root, { recursive: true, force: true }) };
}
