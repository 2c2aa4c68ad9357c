// What serving reads from a model folder fails on a damaged file with one message naming the file, what is wrong
// and what to do, and never quotes the file's raw bytes; a missing folder or a hub download says what it is instead.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { writeHubGpt2Folder } from '../ml/import/testing/hub-folder.ts';
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

describe('readServableModel on a folder serving cannot use', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'crucible-servable-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function failureOf(folder: string, precision?: DecoderPrecision): string {
    try {
      readServableModel(folder, precision);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${folder} loaded`);
  }

  it('says a missing folder is missing, not that config.json is', () => {
    const nowhere = path.join(root, 'no-such-folder');
    expect(failureOf(nowhere)).toBe(`model folder ${nowhere}: there is no such folder; check the path`);
  });

  it('sends a hub download to the model node, at any precision', () => {
    const hub = path.join(root, 'hub-gpt2');
    writeHubGpt2Folder(hub, { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 } });
    for (const precision of ['float32', 'int8'] as const) {
      const message = failureOf(hub, precision);
      expect(message).toContain(`${hub} is a Hugging Face model folder, not a Crucible one (it has no ${MODEL_FILES.decoder}): import it with a \`model\` node in a pipeline`);
      expect(message).not.toContain('re-run');
    }
  });

  it('keeps the damaged-folder messages for a Crucible folder', () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    expect(failureOf(empty)).toBe(`model folder ${empty}: config.json is missing; serving needs a model exported with its tokenizer (re-run the node that produced it)`);
    expect(failureOf(fixture.folder, 'q4')).toBe(`model folder ${fixture.folder}: ${path.join('onnx', 'model_q4.onnx')} is missing; run a quantize node for q4, or serve float32`);
  });
});
