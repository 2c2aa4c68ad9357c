// Checks the hand-written GPT-2 scanner against the regex it replaces, on chosen and on random text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GPT2_SPLIT_PATTERN, splitGpt2Pieces } from './gpt2-pretokenizer.ts';

const gpt2Regex = new RegExp(GPT2_SPLIT_PATTERN, 'gu');
const splitWithRegex = (text: string): string[] => Array.from(text.matchAll(gpt2Regex), (match) => match[0]);

const alphabetOfEdgeCases = [
  'a', 'Z', 'é', '\u0301', '中', '😀', '1', '٣', 'Ⅻ', ' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\ufeff',
  "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", '!', '.', '-', '\ud800', '\udfff', '_',
];

describe('splitGpt2Pieces', () => {
  it('splits contractions, spaced words and whitespace runs the way GPT-2 does', () => {
    expect(splitGpt2Pieces("He's  here,\n\n  they'll 42x")).toEqual(['He', "'s", ' ', ' here', ',', '\n\n ', ' they', "'ll", ' 42', 'x']);
  });

  it('takes whitespace to be Unicode White_Space, as Hugging Face tokenizers and tiktoken do, not JavaScript\'s \\s', () => {
    // U+0085 (next line) is whitespace and U+FEFF (byte order mark) is not; JavaScript's \s has it the other way round.
    expect(splitGpt2Pieces('a \u0085b a \ufeffb')).toEqual(['a', ' ', '\u0085', 'b', ' a', ' \ufeff', 'b']);
  });

  it('keeps a trailing whitespace run whole', () => {
    expect(splitGpt2Pieces('end \n ')).toEqual(['end', ' \n ']);
  });

  it('agrees with the regex on sequences of edge-case fragments', () => {
    const fragments = fc.array(fc.constantFrom(...alphabetOfEdgeCases), { maxLength: 40 });
    fc.assert(fc.property(fragments, (parts) => {
      const text = parts.join('');
      expect(splitGpt2Pieces(text)).toEqual(splitWithRegex(text));
    }), { numRuns: 3000 });
  });

  it('agrees with the regex on arbitrary code points and on raw UTF-16 code units', () => {
    const codeUnit = fc.nat(0xffff).map((code) => String.fromCharCode(code));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: codeUnit, maxLength: 30 }), (unicode, utf16) => {
      const text = unicode + utf16;
      expect(splitGpt2Pieces(text)).toEqual(splitWithRegex(text));
    }), { numRuns: 1500 });
  });
});
