// Test support: a small model folder with real (briefly trained) weights and a tokenizer that has an end-of-text
// token, char or byte-level BPE, written to a temporary directory. Training makes the next-token distributions
// peaked, so greedy decoding compares two runtimes rather than their rounding on near ties.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenShardWriter, tokenizerHash, trainBpe, trainChar, type Tokenizer } from '../../../tokenize/index.ts';
import type { Gpt2Config } from '../../gpt2/config.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from '../../train/testing/tiny-settings.ts';
import { trainGpt2 } from '../../train/trainer.ts';
import { writeModelFolder } from '../model-folder.ts';

/** Beside Shakespeare, lines with multi-byte characters, so char vocabularies hold some and the tests can use them. */
const EXTRA_TEXT = '\nCafé, naïve, über — ok. Déjà vu: ½ × 3 = 1½.\n'.repeat(20);

export interface TrainedModelFolder {
  root: string;
  folder: string;
  config: Gpt2Config;
  tokenizer: Tokenizer;
  remove(): void;
}

export interface TrainedModelOptions {
  tokenizer: 'char' | 'bpe';
  nEmbd?: number;
  nLayer?: number;
  blockSize?: number;
  steps?: number;
  /** Written as crucible-provenance.json. */
  provenance?: Record<string, unknown>;
}

export async function writeTrainedModelFolder(options: TrainedModelOptions): Promise<TrainedModelFolder> {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-trained-'));
  const text = shakespeareExcerpt(30_000) + EXTRA_TEXT;
  const tokenizer = options.tokenizer === 'char' ? trainChar(text) : trainBpe(text, { vocabSize: 512, minFrequency: 2 });
  const hash = tokenizerHash(tokenizer);
  const splitAt = Math.floor(text.length * 0.9);
  for (const [split, part] of [['train', text.slice(0, splitAt)], ['val', text.slice(splitAt)]] as const) {
    const writer = new TokenShardWriter(path.join(root, split), tokenizer.vocabSize, hash);
    writer.append(tokenizer.encode(part));
    writer.finish();
  }
  const tokenizerJsonPath = path.join(root, 'tokenizer.json');
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const settings = { ...TINY_SETTINGS, nEmbd: options.nEmbd ?? 32, nLayer: options.nLayer ?? 2, blockSize: options.blockSize ?? 64, maxSteps: options.steps ?? 60, evalInterval: options.steps ?? 60, checkpointInterval: 10_000, learningRate: 1e-2, batchSize: 8 };
  const trained = await trainGpt2({ settings, trainShard: path.join(root, 'train'), valShard: path.join(root, 'val'), checkpointDir: path.join(root, 'checkpoints') });
  const folder = path.join(root, 'model');
  const provenance = options.provenance ?? { node: { type: 'pretrain', config: settings }, metrics: trained.metrics };
  writeModelFolder(folder, { config: trained.config, parameters: trained.parameters, tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance });
  return { root, folder, config: trained.config, tokenizer, remove: () => rmSync(root, { recursive: true, force: true }) };
}
