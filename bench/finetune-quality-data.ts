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
 * Debian's licence texts (base-files, in every installation), split in two disjoint halves by family. The base model
 * is pretrained on tinyshakespeare plus the GNU family (so it knows legal English), and fine-tuned on the other
 * licences, which it never saw. Duplicate names (GPL = GPL-3, LGPL = LGPL-3, GFDL = GFDL-1.3, symlinks) are left out.
 */
export const DEBIAN_LICENSES_DIR = '/usr/share/common-licenses';
export const PRETRAIN_LICENSE_FILES = ['GPL-1', 'GPL-2', 'GPL-3', 'LGPL-2', 'LGPL-2.1', 'LGPL-3', 'GFDL-1.2', 'GFDL-1.3'] as const;
export const FINETUNE_LICENSE_FILES = ['Apache-2.0', 'Artistic', 'BSD', 'CC0-1.0', 'MPL-1.1', 'MPL-2.0'] as const;

export interface BenchText {
  /** Shown in the report. */
  label: string;
  /** The texts, each split 90/10 on its own so that every one is in both splits. */
  parts: string[];
}

function licenseFiles(names: readonly string[], flag: string): string[] {
  const missing = names.filter((name) => !existsSync(path.join(DEBIAN_LICENSES_DIR, name)));
  if (missing.length > 0) throw new Error(`bench:finetune --quality: ${DEBIAN_LICENSES_DIR} lacks ${missing.join(', ')} (not a Debian system?); pass ${flag} FILE instead`);
  return names.map((name) => path.join(DEBIAN_LICENSES_DIR, name));
}

/** The pretraining text: `file` (tinyshakespeare by default) followed by the GNU licences, unless `licences` is false. */
export function readPretrainText(file: string, licences: boolean): BenchText {
  if (!existsSync(file)) throw new Error(`bench:finetune --quality: the pretraining text ${file} is missing; pass --pretrain-text FILE`);
  const parts = [readFileSync(file, 'utf8')];
  if (!licences) return { label: path.basename(file), parts };
  for (const licence of licenseFiles(PRETRAIN_LICENSE_FILES, '--pretrain-text')) parts.push(readFileSync(licence, 'utf8'));
  return { label: `${path.basename(file)} + ${DEBIAN_LICENSES_DIR}/{${PRETRAIN_LICENSE_FILES.join(',')}}`, parts };
}

/** The files the dataset node reads for fine-tuning: `file` when given, else the non-GNU licences. */
export function finetuneFiles(file: string | undefined): { label: string; files: string[] } {
  if (file !== undefined) {
    if (!existsSync(file)) throw new Error(`bench:finetune --quality: --text ${file} does not exist`);
    return { label: path.basename(file), files: [file] };
  }
  return { label: `${DEBIAN_LICENSES_DIR}/{${FINETUNE_LICENSE_FILES.join(',')}}`, files: licenseFiles(FINETUNE_LICENSE_FILES, '--text') };
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

/** The first `trainFraction` of each part (cut at a line break) goes to the train split, the rest to validation. */
export function encodeSplits(parts: readonly string[], tokenizer: Tokenizer, folder: string, trainFraction: number): EncodedText {
  mkdirSync(folder, { recursive: true });
  const hash = tokenizerHash(tokenizer);
  const writers = { train: new TokenShardWriter(path.join(folder, 'train'), tokenizer.vocabSize, hash), val: new TokenShardWriter(path.join(folder, 'val'), tokenizer.vocabSize, hash) };
  for (const text of parts) {
    const cut = text.lastIndexOf('\n', Math.floor(text.length * trainFraction)) + 1;
    writers.train.append(tokenizer.encode(`${text.slice(0, cut)}\n`));
    writers.val.append(tokenizer.encode(`${text.slice(cut)}\n`));
  }
  const train = writers.train.finish().count;
  const val = writers.val.finish().count;
  return { trainShard: path.join(folder, 'train'), valShard: path.join(folder, 'val'), trainTokens: train, valTokens: val };
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
