// Test support for fine-tuning: a tiny GPT-2 model folder briefly pretrained on one text (Shakespeare) and a Tokens
// artifact of another (the same text upper-cased), both through one char tokenizer, plus a foreign tokenizer of the
// same size for the mismatch tests. Everything is built in a temporary folder in about a second.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tokenizerHash, trainChar, TokenShardWriter, type Tokenizer } from '../../../tokenize/index.ts';
import { writeModelFolder } from '../../export/model-folder.ts';
import type { Gpt2Config } from '../../gpt2/config.ts';
import type { ParameterSet } from '../../gpt2/parameters.ts';
import { trainGpt2 } from '../trainer.ts';
import type { TrainingSettings } from '../training-settings.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './tiny-settings.ts';

export interface FinetuneFixture {
  /** The base model's folder (config.json, model.safetensors, tokenizer.json, the decoder). */
  modelFolder: string;
  config: Gpt2Config;
  parameters: ParameterSet;
  /** Tokens of the new text, made with the model's tokenizer. */
  tokensFolder: string;
  /** Tokens of the same text made with a same-size tokenizer that is not the model's. */
  foreignTokensFolder: string;
  /** TINY_SETTINGS with the model's shape: what a fine-tune of this model takes. */
  settings: TrainingSettings;
}

const BASE_TEXT_CHARACTERS = 12_000;

export async function writeFinetuneFixture(root: string): Promise<FinetuneFixture> {
  const baseText = shakespeareExcerpt(BASE_TEXT_CHARACTERS);
  const newText = shakespeareExcerpt(2 * BASE_TEXT_CHARACTERS).slice(BASE_TEXT_CHARACTERS).toUpperCase();
  const tokenizer = trainChar(baseText + newText);
  const baseTokens = writeTokens(path.join(root, 'base-tokens'), tokenizer, baseText);
  const settings: TrainingSettings = { ...TINY_SETTINGS, maxSteps: 40, evalInterval: 40, checkpointInterval: 1000, learningRate: 2e-2 };
  const trained = await trainGpt2({ settings, trainShard: path.join(baseTokens, 'train'), valShard: path.join(baseTokens, 'val'), checkpointDir: path.join(root, 'base-checkpoints') });
  const modelFolder = path.join(root, 'model');
  writeModelFolder(modelFolder, { config: trained.config, parameters: trained.parameters, tokenizerJsonPath: path.join(baseTokens, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: { node: { type: 'pretrain' } } });
  return {
    modelFolder,
    config: trained.config,
    parameters: trained.parameters,
    tokensFolder: writeTokens(path.join(root, 'tokens'), tokenizer, newText),
    foreignTokensFolder: writeTokens(path.join(root, 'foreign-tokens'), trainChar(baseText + newText, { unkToken: '<other>' }), newText),
    settings: { ...settings, maxSteps: 8, evalInterval: 4, checkpointInterval: 3, learningRate: 1e-2 },
  };
}

/** A Tokens artifact (train/val shards, tokenizer.json, tokenizer_config.json) of `text`, split 90/10. */
export function writeTokens(folder: string, tokenizer: Tokenizer, text: string): string {
  mkdirSync(folder, { recursive: true });
  const splitAt = Math.floor(text.length * 0.9);
  for (const [split, part] of [['train', text.slice(0, splitAt)], ['val', text.slice(splitAt)]] as const) {
    const writer = new TokenShardWriter(path.join(folder, split), tokenizer.vocabSize, tokenizerHash(tokenizer));
    writer.append(tokenizer.encode(part));
    writer.finish();
  }
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer.toHuggingFaceJson()));
  writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ messages }}', model_max_length: 16 }));
  return folder;
}
