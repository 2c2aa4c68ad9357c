// GPT-2 parity: a tokenizer.json rebuilt from js-tiktoken's ranks must encode exactly as js-tiktoken's `gpt2` does,
// on tinyshakespeare and on generated multilingual text, and survive a write/read round trip unchanged.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getEncoding } from 'js-tiktoken';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
import { gpt2TokenizerJson } from './testing/gpt2-from-tiktoken.ts';
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';
import type { Tokenizer } from './tokenizer.ts';

const shakespearePath = path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt');
const reference = getEncoding('gpt2');

const fragments = [
  'the', ' The', "'s", "'ll", "n't", ' 1984', '٣٤', '½', ' ', '   ', '\n', '\r\n', '\t', '\u00a0', '\u3000',
  'é', 'e\u0301', 'Ωμέγα', 'Привет', '中文字符', 'こんにちは', '한국어', 'مرحبا', 'שלום', '😀', '👩‍👩‍👧', '🇫🇷',
  '!!!', '...', '—', '“quoted”', '$', '{x: 1}', '<|endoftext|>', '=====', '    def f():',
];

/**
 * About 200 KB (UTF-8) of seeded, reproducible text mixing scripts, emoji, digits and whitespace runs. Without U+0085
 * and U+FEFF: js-tiktoken splits with JavaScript's `\s`, which departs from tiktoken's own (Unicode White_Space, as
 * ours) at those two code points; gpt2-pretokenizer.test.ts covers them.
 */
function generatedUnicodeText(): string {
  const documents = fc.sample(fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 60 }), { seed: 42, numRuns: 4000 });
  return documents.map((parts) => parts.join('')).join('\n\n').replace(/[\u0085\ufeff]/g, '');
}

describe('GPT-2 tokenizer.json parity with js-tiktoken', () => {
  let json: HuggingFaceTokenizerJson;
  let tokenizer: Tokenizer;

  beforeAll(() => {
    json = gpt2TokenizerJson();
    tokenizer = loadHuggingFaceTokenizer(JSON.stringify(json));
  });

  it('encodes 300 KB of tinyshakespeare to identical ids', () => {
    const text = readFileSync(shakespearePath, 'utf8').slice(0, 300_000);
    expect(tokenizer.encode(text)).toEqual(reference.encode(text));
  });

  it('encodes generated multilingual text, special tokens included, to identical ids and decodes it back', () => {
    const text = generatedUnicodeText();
    expect(Buffer.byteLength(text)).toBeGreaterThan(100_000);
    const ids = tokenizer.encode(text);
    expect(ids).toEqual(reference.encode(text, 'all'));
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('has GPT-2 size and the well-known first merges', () => {
    expect(tokenizer.vocabSize).toBe(50257);
    expect((json.model['merges'] as string[]).slice(0, 3)).toEqual(['Ġ t', 'Ġ a', 'h e']);
  });

  it('reads merges written as ["a", "b"] pairs the same as "a b" strings', () => {
    const pairForm = structuredClone(json);
    pairForm.model['merges'] = (json.model['merges'] as string[]).map((merge) => merge.split(' '));
    const text = 'To be, or not to be: that is the question.';
    expect(loadHuggingFaceTokenizer(pairForm).encode(text)).toEqual(reference.encode(text));
  });

  it('writes back the same tokenizer.json it read', () => {
    expect(tokenizer.toHuggingFaceJson()).toEqual(json);
  });
});
