// Checks the byte-level BPE tokenizer on a small hand-built vocabulary: merges, added tokens, decoding, errors.
import { describe, expect, it } from 'vitest';
import { BYTE_ALPHABET_BY_CODE_POINT } from './byte-level-alphabet.ts';
import { ByteLevelBpeTokenizer } from './byte-level-bpe-tokenizer.ts';
import type { ByteLevelBpeDefinition } from './byte-level-bpe-tokenizer.ts';
import type { AddedToken } from './tokenizer.ts';

const merges: [string, string][] = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he']];
const endOfText: AddedToken = { id: 259, content: '<|endoftext|>', special: true, lstrip: false, rstrip: false, singleWord: false };

function tinyTokenizer(overrides: Partial<ByteLevelBpeDefinition> = {}): ByteLevelBpeTokenizer {
  const vocab = new Map(BYTE_ALPHABET_BY_CODE_POINT.map((char, id) => [char, id]));
  merges.forEach(([left, right]) => vocab.set(left + right, vocab.size));
  return new ByteLevelBpeTokenizer({ vocab, merges, addedTokens: [endOfText], ...overrides });
}

describe('ByteLevelBpeTokenizer', () => {
  const tokenizer = tinyTokenizer();
  const idOf = (token: string): number => tokenizer.idOf(token) as number;

  it('merges by rank inside each GPT-2 piece', () => {
    expect(tokenizer.encode('the the')).toEqual([idOf('t'), idOf('he'), idOf('Ġthe')]);
  });

  it('matches added tokens before pre-tokenization and decodes them back', () => {
    const ids = tokenizer.encode('a<|endoftext|> the');
    expect(ids).toEqual([idOf('a'), 259, idOf('Ġthe')]);
    expect(tokenizer.decode(ids)).toBe('a<|endoftext|> the');
  });

  it('swallows neighbouring whitespace for lstrip / rstrip added tokens', () => {
    const stripping = tinyTokenizer({ addedTokens: [{ ...endOfText, lstrip: true, rstrip: true }] });
    expect(stripping.encode('a  <|endoftext|>\nb')).toEqual([idOf('a'), 259, idOf('b')]);
    // The left strip stops where the previous token's right strip ended, and covers a whole run however long.
    expect(stripping.encode('<|endoftext|> \t <|endoftext|>')).toEqual([259, 259]);
    expect(stripping.encode(`a${' '.repeat(100_000)}<|endoftext|>`)).toEqual([idOf('a'), 259]);
  });

  it('prepends a space when add_prefix_space is set', () => {
    expect(tinyTokenizer({ addPrefixSpace: true }).encode('the')).toEqual([idOf('Ġthe')]);
  });

  it('round-trips a lone BOM, CRLF, emoji and combining marks, and counts vocab past added tokens', () => {
    const text = '\ufeff\r\ne\u0301 😀 中文';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.vocabSize).toBe(260);
  });

  it('gives the same ids whether a piece came from the cache or not', () => {
    const fresh = tinyTokenizer();
    expect(fresh.encode('the the the')).toEqual(fresh.encode('the the the'));
  });

  it('names a merge whose result is missing from the vocabulary', () => {
    const vocab = new Map(BYTE_ALPHABET_BY_CODE_POINT.map((char, id) => [char, id]));
    expect(() => new ByteLevelBpeTokenizer({ vocab, merges: [['h', 'e']], addedTokens: [] })).toThrow(/merges\[0\] \("h", "e"\): "he" not in the vocabulary/);
  });

  it('rejects ids outside the vocabulary when decoding', () => {
    expect(() => tokenizer.decode([1, 5000])).toThrow(/id 5000 is not in the vocabulary/);
  });
});
