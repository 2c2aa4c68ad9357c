// The tokenizer.json + tokenizer_config.json Crucible writes (trained byte-level BPE and char) must load in
// transformers.js from a local folder, with no network, and encode and decode exactly as Crucible does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTokenizerConfig } from './tokenizer-config.ts';
import type { Tokenizer } from './tokenizer.ts';
import { trainBpe } from './train-bpe.ts';
import { trainChar } from './train-char.ts';

const modelsDir = mkdtempSync(path.join(tmpdir(), 'crucible-transformers-js-'));
const shakespeare = readFileSync(path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt'), 'utf8');

/** Text the tokenizers were not trained on: scripts, emoji sequences, combining marks, odd whitespace, a BOM. */
const unicodeSamples = [
  'Ünïcödé naïve café — “quoted” ‘single’ … ½ ٣٤ 1984',
  '日本語のテキスト、中文字符，한국어 문장. Привет, мир! Ωμέγα. مرحبا שלום',
  '😀👍🏽 👩‍👩‍👧 🇫🇷 e\u0301 a\u0308\u0323 ☃ ß',
  '\uFEFFa lone BOM, tabs\t\tand  double  spaces,\r\nCRLF lines\r\n\n\n   trailing   ',
  "It's, we'll, they've, I'd: contractions; <|endoftext|> a special token; 12345 67.89",
];

const sampleText = [shakespeare.slice(200_000, 206_000), ...unicodeSamples].join('\n');

beforeAll(() => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir;
  // Any network access is a failure: loading must read the local folder only.
  vi.stubGlobal('fetch', () => Promise.reject(new Error('transformers.js tried to use the network')));
});
afterAll(() => {
  vi.unstubAllGlobals();
  rmSync(modelsDir, { recursive: true, force: true });
});

function writeModelFolder(name: string, tokenizer: Tokenizer): void {
  const folder = path.join(modelsDir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer.toHuggingFaceJson()));
  writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify(buildTokenizerConfig(tokenizer)));
}

async function expectSameAsTransformersJs(name: string, tokenizer: Tokenizer): Promise<void> {
  writeModelFolder(name, tokenizer);
  const reference = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
  for (const text of [sampleText, ...unicodeSamples]) {
    const ids = tokenizer.encode(text);
    expect(reference.encode(text, { add_special_tokens: false })).toEqual(ids);
    expect(reference.decode(ids)).toBe(tokenizer.decode(ids));
  }
}

describe('transformers.js loads what Crucible writes', () => {
  it('byte-level BPE: identical ids and decoded text', async () => {
    const tokenizer = trainBpe(shakespeare.slice(0, 150_000), { vocabSize: 700, specialTokens: ['<|endoftext|>', '<|pad|>'] });
    await expectSameAsTransformersJs('bpe', tokenizer);
    expect(tokenizer.decode(tokenizer.encode(sampleText))).toBe(sampleText);
  });

  it('char: identical ids, with unseen characters as <unk>', async () => {
    const tokenizer = trainChar(shakespeare.slice(0, 150_000));
    await expectSameAsTransformersJs('char', tokenizer);
    expect(tokenizer.encode('☃')).toEqual([tokenizer.idOf('<unk>')]);
  });
});
