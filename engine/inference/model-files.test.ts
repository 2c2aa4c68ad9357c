// What serving reads from a model folder fails on a damaged file with one message naming the file, what is wrong
// and what to do, and never quotes the file's raw bytes.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { readServableModel } from './model-files.ts';
import { writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';

/** Bytes of a file that is not text at all, with an escape sequence a terminal would act on. */
const BINARY = Buffer.from([0x89, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x80, 0x90, 0x41]);
/** Our messages are printable ASCII plus the em dash before the remedy. */
const PRINTABLE = /^[\x20-\x7e—]*$/;

let fixture: TinyModelFolder;
beforeAll(() => {
  fixture = writeTinyModelFolder();
});
afterAll(() => fixture.remove());

/** The error of loading the folder with `file` replaced by `content`; the file is restored afterwards. */
function failureWith(file: string, content: Buffer | string): string {
  const target = path.join(fixture.folder, file);
  const original = existsSync(target) ? readFileSync(target) : null;
  writeFileSync(target, content);
  try {
    readServableModel(fixture.folder);
  } catch (error) {
    return (error as Error).message;
  } finally {
    if (original === null) rmSync(target);
    else writeFileSync(target, original);
  }
  throw new Error(`the folder loaded with a damaged ${file}`);
}

describe('readServableModel on a damaged file', () => {
  it('names a tokenizer.json of binary bytes', () => {
    const message = failureWith(MODEL_FILES.tokenizer, BINARY);
    expect(message).toBe(`${path.join(fixture.folder, MODEL_FILES.tokenizer)}: not JSON: it holds binary data; the file is damaged or not a Hugging Face tokenizer.json — re-export or re-download it`);
  });

  it('names a config.json of binary bytes', () => {
    const message = failureWith(MODEL_FILES.config, BINARY);
    expect(message).toBe(`${path.join(fixture.folder, MODEL_FILES.config)}: not JSON: it holds binary data; the file is damaged or not a Hugging Face config.json — re-run the node that produced the model, or download it again`);
  });

  it('quotes a text file cut short in printable ASCII, with its line and column', () => {
    const message = failureWith(MODEL_FILES.config, '{\n  "model_type": "gpt2",\n  "n_embd": ¿16\n}');
    expect(message).toMatch(/config\.json: not valid JSON at line 3, column 13 \(.*\); the file is damaged or not a Hugging Face config\.json/);
    expect(message).toMatch(PRINTABLE);
  });

  it('names a damaged tokenizer_config.json, which holds the chat template', () => {
    const message = failureWith(MODEL_FILES.tokenizerConfig, BINARY);
    expect(message).toMatch(/tokenizer_config\.json: not JSON: it holds binary data; the file is damaged or not a Hugging Face tokenizer_config\.json/);
  });
});
