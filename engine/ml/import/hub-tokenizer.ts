// A hub model folder's tokenizer files: tokenizer.json (required, loaded to check it is one Crucible can run and that
// its ids fit the embedding), tokenizer_config.json (optional), whose chat_template is picked out as one string, and
// chat_template.jinja (optional), where newer transformers save the template instead.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonObjectFile } from '../../files/json-text.ts';
import { chatTemplateOf } from '../../tokenize/chat/index.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
/** transformers ≥ 4.5x's save_pretrained writes the chat template here and leaves it out of tokenizer_config.json. */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

export interface HubTokenizer {
  tokenizerJsonPath: string;
  tokenizerConfigJsonPath: string | null;
  /** chat_template.jinja's text when the folder has one, else tokenizer_config.json's chat_template; null for none. */
  chatTemplate: string | null;
}

export function readHubTokenizer(folder: string, config: { vocabSize: number }): HubTokenizer {
  const tokenizerJsonPath = path.join(folder, TOKENIZER_FILE);
  if (!existsSync(tokenizerJsonPath)) throw missingTokenizer(folder);
  const tokenizer = loadTokenizer(folder, tokenizerJsonPath);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`${tokenizerJsonPath}: the tokenizer produces ids up to ${tokenizer.vocabSize - 1} but config.json's vocab_size is ${config.vocabSize}, so some ids have no embedding; this tokenizer does not belong to the model — use the tokenizer.json from the model's own repository`);
  }
  const configPath = path.join(folder, TOKENIZER_CONFIG_FILE);
  const jinjaTemplate = readJinjaTemplate(folder);
  if (!existsSync(configPath)) return { tokenizerJsonPath, tokenizerConfigJsonPath: null, chatTemplate: jinjaTemplate };
  const json = readJsonObjectFile(configPath, { expected: 'a Hugging Face tokenizer_config.json', remedy: 're-download it from the model repository, or delete it' });
  // transformers lets chat_template.jinja override tokenizer_config.json's field (a stale copy there is never used),
  // so the field is only read when there is no file.
  return { tokenizerJsonPath, tokenizerConfigJsonPath: configPath, chatTemplate: jinjaTemplate ?? chatTemplateOf(json, configPath) };
}

/** chat_template.jinja's text; null when absent or blank (a blank file would leave the model unable to chat). */
function readJinjaTemplate(folder: string): string | null {
  const file = path.join(folder, CHAT_TEMPLATE_FILE);
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  return text.trim() === '' ? null : text;
}

/** SentencePiece-style tokenizers (Llama 2, TinyLlama, Mistral: Metaspace, byte fallback) fail to load; say so plainly. */
function loadTokenizer(folder: string, tokenizerJsonPath: string): ReturnType<typeof loadHuggingFaceTokenizer> {
  try {
    return loadHuggingFaceTokenizer(readFileSync(tokenizerJsonPath, 'utf8'), tokenizerJsonPath);
  } catch (error) {
    const message = (error as Error).message;
    const sentencePiece = /Metaspace|byte_fallback|normalizer/.test(message) || existsSync(path.join(folder, 'tokenizer.model'));
    if (!sentencePiece) throw error;
    throw new Error(`${message} — this looks like a SentencePiece-style tokenizer (as Llama 2, TinyLlama and Mistral have); Crucible imports models whose tokenizer is a byte-level BPE (GPT-2, SmolLM, SmolLM2), so this model cannot be imported yet`);
  }
}

function missingTokenizer(folder: string): Error {
  if (existsSync(path.join(folder, 'tokenizer.model'))) {
    return new Error(`${folder}: ${TOKENIZER_FILE} is missing and the folder has a SentencePiece tokenizer.model only; Crucible imports models whose tokenizer is a byte-level BPE tokenizer.json (GPT-2, SmolLM, SmolLM2) — SentencePiece tokenizers (Llama 2, TinyLlama, Mistral) are not supported`);
  }
  const slowFiles = existsSync(path.join(folder, 'vocab.json')) && existsSync(path.join(folder, 'merges.txt'));
  if (slowFiles) {
    return new Error(`${folder}: ${TOKENIZER_FILE} is missing (the folder has vocab.json and merges.txt only); create it in Python with \`from transformers import AutoTokenizer; AutoTokenizer.from_pretrained(DIR).save_pretrained(DIR)\`, or download tokenizer.json from the model's repository`);
  }
  return new Error(`${folder}: ${TOKENIZER_FILE} is missing; a model imports with its own tokenizer — download tokenizer.json from the model's repository into this folder`);
}
