// The data side of bench:finetune's quality run: the two texts (what the base model is pretrained on, what it is
// fine-tuned on), a byte-level BPE trained on the first, each text encoded into train/val token shards the trainer
// reads, and the pretrained weights written as a Hugging Face hub folder (config.json, model.safetensors with the
// hub's prefix-less GPT-2 names, tokenizer.json), which the bench then imports like any downloaded model.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { huggingFaceConfig } from '../engine/ml/export/hf-config.ts';
import { huggingFaceParameters } from '../engine/ml/export/hf-parameters.ts';
import { specialTokenIds } from '../engine/ml/export/model-folder.ts';
import { writeSafetensors } from '../engine/ml/export/safetensors.ts';
import type { Gpt2Config } from '../engine/ml/gpt2/config.ts';
import type { ParameterSet } from '../engine/ml/gpt2/parameters.ts';
import { loadHuggingFaceTokenizer, TokenShardWriter, tokenizerHash, trainBpe, type Tokenizer } from '../engine/tokenize/index.ts';

/**
 * The default fine-tuning text: the licence texts Debian ships in every installation (base-files), legal English
 * prose unlike the pretraining text's Elizabethan verse. Duplicate names (GPL = GPL-3, LGPL = LGPL-3, GFDL =
 * GFDL-1.3) are left out.
 */
export const DEBIAN_LICENSES_DIR = '/usr/share/common-licenses';
const LICENSE_FILES = ['Apache-2.0', 'Artistic', 'BSD', 'CC0-1.0', 'GFDL-1.3', 'GPL-2', 'GPL-3', 'LGPL-2.1', 'MPL-2.0'];

export interface BenchText {
  /** Shown in the report. */
  label: string;
  text: string;
}

export function readPretrainText(file: string): BenchText {
  if (!existsSync(file)) throw new Error(`bench:finetune --quality: the pretraining text ${file} is missing; pass --pretrain-text FILE`);
  return { label: path.basename(file), text: readFileSync(file, 'utf8') };
}

/** `file` when given, else Debian's licence texts joined by blank lines. */
export function readFinetuneText(file: string | undefined): BenchText {
  if (file !== undefined) {
    if (!existsSync(file)) throw new Error(`bench:finetune --quality: --text ${file} does not exist`);
    return { label: path.basename(file), text: readFileSync(file, 'utf8') };
  }
  const missing = LICENSE_FILES.filter((name) => !existsSync(path.join(DEBIAN_LICENSES_DIR, name)));
  if (missing.length > 0) throw new Error(`bench:finetune --quality: ${DEBIAN_LICENSES_DIR} lacks ${missing.join(', ')} (not a Debian system?); pass --text FILE with the text to fine-tune on`);
  const text = LICENSE_FILES.map((name) => readFileSync(path.join(DEBIAN_LICENSES_DIR, name), 'utf8')).join('\n\n');
  return { label: `${DEBIAN_LICENSES_DIR}/{${LICENSE_FILES.join(',')}}`, text };
}

export function trainBenchTokenizer(text: string, vocabSize: number, file: string): Tokenizer {
  const tokenizer = trainBpe(text, { vocabSize });
  writeFileSync(file, `${JSON.stringify(tokenizer.toHuggingFaceJson())}\n`);
  return tokenizer;
}

/** The tokenizer as a model folder's tokenizer.json gives it back (what the `model` node's tokenizer output is). */
export function loadTokenizerJson(file: string): Tokenizer {
  return loadHuggingFaceTokenizer(JSON.parse(readFileSync(file, 'utf8')), file);
}

export interface EncodedText {
  trainShard: string;
  valShard: string;
  trainTokens: number;
  valTokens: number;
}

/** The first `trainFraction` of the text (cut at a line break) is the train split, the rest validation. */
export function encodeSplits(text: string, tokenizer: Tokenizer, folder: string, trainFraction: number): EncodedText {
  mkdirSync(folder, { recursive: true });
  const cut = text.lastIndexOf('\n', Math.floor(text.length * trainFraction)) + 1;
  const hash = tokenizerHash(tokenizer);
  const write = (name: string, part: string) => {
    const base = path.join(folder, name);
    const writer = new TokenShardWriter(base, tokenizer.vocabSize, hash);
    writer.append(tokenizer.encode(part));
    return { base, count: writer.finish().count };
  };
  const train = write('train', text.slice(0, cut));
  const val = write('val', text.slice(cut));
  return { trainShard: train.base, valShard: val.base, trainTokens: train.count, valTokens: val.count };
}

/** A GPT2LMHeadModel folder as the hub has them: HF config.json, prefix-less float32 safetensors (head tied), tokenizer.json. */
export function writeHubFolder(folder: string, config: Gpt2Config, parameters: ParameterSet, tokenizerJsonPath: string): void {
  mkdirSync(folder, { recursive: true });
  const tokenizerJson = readFileSync(tokenizerJsonPath, 'utf8');
  writeFileSync(path.join(folder, 'config.json'), `${JSON.stringify(huggingFaceConfig(config, specialTokenIds(tokenizerJson)), null, 2)}\n`);
  const hubNames = new Map([...huggingFaceParameters(config, parameters)].map(([name, tensor]) => [name.replace(/^transformer\./, ''), tensor]));
  writeSafetensors(path.join(folder, 'model.safetensors'), hubNames, { format: 'pt' });
  writeFileSync(path.join(folder, 'tokenizer.json'), tokenizerJson);
}
