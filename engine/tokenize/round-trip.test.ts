// Property tests: decode(encode(x)) === x for arbitrary Unicode (emoji, combining marks, CJK, a lone BOM, CRLF) with
// a trained byte-level BPE, and for a char tokenizer on text made of the characters it was trained on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { trainBpe } from './train-bpe.ts';
import { trainChar } from './train-char.ts';

const shakespeare = readFileSync(path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt'), 'utf8').slice(0, 200_000);
const awkwardFragments = ['\ufeff', '\r\n', '\r', 'e\u0301', 'a\u0308\u0323', '中文', '日本語', '😀', '👩‍👩‍👧', '🇫🇷', '\u00a0', '\u3000', '  ', '\t\n', "'s", '<|endoftext|>', '<|endoftext'];
const awkwardText = fc.array(fc.oneof(fc.constantFrom(...awkwardFragments), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 8 })), { maxLength: 30 }).map((parts) => parts.join(''));

describe('decode(encode(x)) === x', () => {
  const bpe = trainBpe(shakespeare, { vocabSize: 1024 });

  it('holds for a trained byte-level BPE on arbitrary Unicode', () => {
    fc.assert(fc.property(awkwardText, (text) => {
      expect(bpe.decode(bpe.encode(text))).toBe(text);
    }), { numRuns: 2000 });
  });

  it('holds for a lone BOM and for CRLF on their own', () => {
    for (const text of ['\ufeff', '\r\n', '\ufeff\r\n\ufeff']) expect(bpe.decode(bpe.encode(text))).toBe(text);
  });

  it('holds for a char tokenizer on text drawn from its training characters', () => {
    const trainingText = awkwardFragments.join('') + shakespeare.slice(0, 5_000);
    const char = trainChar(trainingText);
    const trainingCharacters = Array.from(trainingText.replaceAll('<|endoftext|>', ''));
    const knownText = fc.array(fc.oneof(fc.constantFrom(...trainingCharacters), fc.constant('<|endoftext|>')), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(fc.property(knownText, (text) => {
      expect(char.decode(char.encode(text))).toBe(text);
    }), { numRuns: 2000 });
  });
});
