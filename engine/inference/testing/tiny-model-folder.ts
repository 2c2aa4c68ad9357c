// Test support: writes a tiny model folder (random weights, a byte-level BPE tokenizer trained on a few lines) to a
// temporary directory, so runtime and serving tests never need committed model binaries. GPT-2 by default; with
// `architecture: 'llama'` a Llama with grouped-query attention (4 query heads over 2 key/value heads, head size 8).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gpt2Config } from '../../ml/gpt2/config.ts';
import { initGpt2Parameters } from '../../ml/gpt2/parameters.ts';
import { writeModelFolder } from '../../ml/export/model-folder.ts';
import { llamaConfig } from '../../ml/llama/config.ts';
import { initLlamaParameters } from '../../ml/llama/parameters.ts';
import type { ModelArchitecture, ModelConfig } from '../../ml/model-config.ts';
import { createRandom } from '../../ml/tensor/random.ts';
import { trainBpe } from '../../tokenize/train-bpe.ts';

const TRAINING_TEXT = `First Citizen: Before we proceed any further, hear me speak.
All: Speak, speak. You are all resolved rather to die than to famish?
First Citizen: First, you know Caius Marcius is chief enemy to the people. Café, naïve, über — ok.`;

export interface TinyModelFolder {
  folder: string;
  config: ModelConfig;
  /** Removes the temporary directory. */
  remove(): void;
}

export interface TinyModelOptions {
  architecture?: ModelArchitecture;
  seed?: number;
  nLayer?: number;
  nEmbd?: number;
  blockSize?: number;
  /**
   * Standard deviation of noise added to every weight. Initial weights (std 0.02) make a model whose greedy output
   * repeats one token; noise of ~0.3 gives varied text, which comparisons of generations need.
   */
  noise?: number;
}

/** The families serving tests run against: each test file repeats its cases for both. */
export const TINY_MODEL_ARCHITECTURES: readonly ModelArchitecture[] = ['gpt2', 'llama'];

export function writeTinyModelFolder(options: TinyModelOptions = {}): TinyModelFolder {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-inference-'));
  const tokenizer = trainBpe(TRAINING_TEXT, { vocabSize: 300, minFrequency: 2 });
  const tokenizerJsonPath = path.join(root, 'tokenizer.json');
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const seed = options.seed ?? 11;
  const shape = { vocabSize: tokenizer.vocabSize, nLayer: options.nLayer ?? 2, blockSize: options.blockSize ?? 64 };
  const [config, parameters] = options.architecture === 'llama'
    ? (() => {
      const llama = llamaConfig({ ...shape, nHead: 4, nKvHead: 2, nEmbd: options.nEmbd ?? 32, intermediateSize: 48 });
      return [llama, initLlamaParameters(llama, seed)] as const;
    })()
    : (() => {
      const gpt2 = gpt2Config({ ...shape, nHead: 2, nEmbd: options.nEmbd ?? 16 });
      return [gpt2, initGpt2Parameters(gpt2, seed)] as const;
    })();
  if (options.noise !== undefined) {
    const random = createRandom(seed + 1);
    for (const tensor of parameters.values()) (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = value + options.noise! * random.normal()));
  }
  const folder = path.join(root, 'model');
  writeModelFolder(folder, { config, parameters, tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance: { test: true } });
  return { folder, config, remove: () => rmSync(root, { recursive: true, force: true }) };
}
