// The tokenizer.json + tokenizer_config.json Crucible writes (trained byte-level BPE and char) must load in
// transformers.js from a local folder, with no network, and encode and decode exactly as Crucible does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTokenizerConfig } from './tokenizer-config.ts';
import { ByteLevelBpeTokenizer } from './byte-level-bpe-tokenizer.ts';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
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

async function expectSameAsTransformersJs(name: string, tokenizer: Tokenizer, texts = [sampleText, ...unicodeSamples]): Promise<void> {
  writeModelFolder(name, tokenizer);
  const reference = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
  for (const text of texts) {
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

  for (const digits of ['individual', 'runs'] as const) {
    it(`byte-level BPE after a Digits split (${digits}, as SmolLM's tokenizer.json): identical ids, and the file round-trips`, async () => {
      const trained = trainBpe(shakespeare.slice(0, 150_000) + ' 1984 2025 3.14159 ٣٤ 100000'.repeat(50), { vocabSize: 700, specialTokens: ['<|endoftext|>'] });
      const json = { ...trained.toHuggingFaceJson() };
      json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: digits === 'individual' }, json.pre_tokenizer] };
      const tokenizer = loadHuggingFaceTokenizer(json);
      expect(tokenizer).toBeInstanceOf(ByteLevelBpeTokenizer);
      expect(tokenizer.toHuggingFaceJson().pre_tokenizer).toEqual(json.pre_tokenizer);
      // transformers.js's Digits matches ASCII \d only; the tokenizers library (Rust, which trained SmolLM) isolates every
      // \p{N} (`char::is_numeric`), as Crucible does — so the comparison leaves the other numerals (½, ٣٤) out.
      const asciiDigitsOnly = (text: string) => text.replace(/\p{N}/gu, (char) => (/[0-9]/.test(char) ? char : ''));
      await expectSameAsTransformersJs(`digits-${digits}`, tokenizer, [sampleText, ...unicodeSamples].map(asciiDigitsOnly));
      const pieces = (text: string) => tokenizer.encode(text).map((id) => tokenizer.tokenOf(id));
      if (digits === 'individual') {
        expect(pieces(' 1984 x2025').filter((piece) => /[0-9]/.test(piece ?? ''))).toEqual(['1', '9', '8', '4', '2', '0', '2', '5']);
        expect(pieces(' ½')[0]).toBe('Ġ');
      } else {
        expect(tokenizer.encode(' 1984 x2025')).not.toEqual(trained.encode(' 1984 x2025'));
      }
    });
  }

  it('char: identical ids, with unseen characters as <unk>', async () => {
    const tokenizer = trainChar(shakespeare.slice(0, 150_000));
    await expectSameAsTransformersJs('char', tokenizer);
    expect(tokenizer.encode('☃')).toEqual([tokenizer.idOf('<unk>')]);
  });
});
