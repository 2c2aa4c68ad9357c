// Checks the BPE trainer: hand-worked merges and tie-breaks, agreement with a naive recount-per-merge trainer,
// determinism, the vocabulary-size checks, and that trained tokenizers survive a tokenizer.json round trip.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BYTE_ALPHABET_BY_CODE_POINT, BYTE_TO_CHAR } from './byte-level-alphabet.ts';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
import { splitGpt2Pieces } from './gpt2-pretokenizer.ts';
import { trainBpe } from './train-bpe.ts';
import type { Tokenizer } from './tokenizer.ts';

const mergesOf = (tokenizer: Tokenizer): string[] => tokenizer.toHuggingFaceJson().model['merges'] as string[];

/** Reference trainer: recounts every pair before each merge; same ids and the same tie-break as the real one. */
function naiveMerges(text: string, vocabSize: number, minFrequency: number): string[] {
  const tokens = [...BYTE_ALPHABET_BY_CODE_POINT];
  const words = new Map<string, number>();
  for (const piece of splitGpt2Pieces(text)) words.set(piece, (words.get(piece) ?? 0) + 1);
  let symbolized = [...words].map(([word, count]) => ({ symbols: Array.from(Buffer.from(word, 'utf8'), (byte) => tokens.indexOf(BYTE_TO_CHAR[byte] as string)), count }));
  const merges: string[] = [];
  while (new Set(tokens).size < vocabSize) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of symbolized) for (let i = 0; i + 1 < symbols.length; i++) pairCounts.set(`${symbols[i]},${symbols[i + 1]}`, (pairCounts.get(`${symbols[i]},${symbols[i + 1]}`) ?? 0) + count);
    const ranked = [...pairCounts].map(([key, count]) => ({ count, pair: key.split(',').map(Number) as [number, number] }));
    ranked.sort((a, b) => b.count - a.count || a.pair[0] - b.pair[0] || a.pair[1] - b.pair[1]);
    const best = ranked[0];
    if (best === undefined || best.count < minFrequency) break;
    const [left, right] = best.pair;
    const merged = (tokens[left] as string) + (tokens[right] as string);
    if (!tokens.includes(merged)) tokens.push(merged);
    const mergedId = tokens.indexOf(merged);
    merges.push(`${tokens[left]} ${tokens[right]}`);
    symbolized = symbolized.map(({ symbols, count }) => {
      const out: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        const isPair = symbols[i] === left && symbols[i + 1] === right;
        out.push(isPair ? mergedId : (symbols[i] as number));
        if (isPair) i++;
      }
      return { symbols: out, count };
    });
  }
  return merges;
}

describe('trainBpe', () => {
  it('learns the hand-counted merges and warns when pairs run out', () => {
    const warnings: string[] = [];
    const tokenizer = trainBpe('ab ab ab abc', { vocabSize: 260, minFrequency: 2, onWarning: (message) => warnings.push(message) });
    // Words: "ab", " ab" x2, " abc". (a,b) occurs 4 times, then (Ġ,ab) 3 times; (Ġab,c) once is below minFrequency.
    expect(mergesOf(tokenizer)).toEqual(['a b', 'Ġ ab']);
    expect(tokenizer.vocabSize).toBe(1 + 256 + 2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/too small for vocabSize 260: after 2 merges/);
  });

  it('breaks count ties by the smaller left id, then the smaller right id', () => {
    // Every pair occurs once; "x" < "z" < "Ġ" in code-point (id) order.
    expect(mergesOf(trainBpe('xy zw', { vocabSize: 1 + 256 + 3, minFrequency: 1 }))).toEqual(['x y', 'z w', 'Ġ zw']);
  });

  it('puts special tokens first and never merges across them', () => {
    const tokenizer = trainBpe('ab<|endoftext|>ab<|endoftext|>ab', { vocabSize: 400, specialTokens: ['<|endoftext|>', '<|pad|>'] });
    expect(tokenizer.idOf('<|endoftext|>')).toBe(0);
    expect(tokenizer.idOf('<|pad|>')).toBe(1);
    expect(tokenizer.idOf('!')).toBe(2);
    expect(mergesOf(tokenizer)).toEqual(['a b']);
    expect(tokenizer.encode('ab<|endoftext|>')).toEqual([tokenizer.idOf('ab'), 0]);
  });

  it('learns exactly the merges a recount-per-merge trainer learns', () => {
    const corpus = fc.array(fc.constantFrom('the', ' the', ' then', ' cat', 'cat', "'s", ' hat', 'é', '中文', '😀', ' ', '\n', '!!'), { maxLength: 60 });
    fc.assert(fc.property(corpus, fc.integer({ min: 1, max: 3 }), (parts, minFrequency) => {
      const text = parts.join('');
      expect(mergesOf(trainBpe(text, { vocabSize: 256 + 40, minFrequency, specialTokens: [] }))).toEqual(naiveMerges(text, 256 + 40, minFrequency));
    }), { numRuns: 150 });
  });

  it('is deterministic and independent of document order', () => {
    const documents = ['the cat sat on the mat', 'then the hat', 'that cat, the hat, the mat', 'a bat and a cat'];
    const first = trainBpe(documents, { vocabSize: 300 });
    expect(trainBpe(documents, { vocabSize: 300 }).toHuggingFaceJson()).toEqual(first.toHuggingFaceJson());
    expect(mergesOf(trainBpe([...documents].reverse(), { vocabSize: 300 }))).toEqual(mergesOf(first));
  });

  it('rejects a vocabulary smaller than the base alphabet and duplicate special tokens', () => {
    expect(() => trainBpe('abc', { vocabSize: 200 })).toThrow(/vocabSize 200 is smaller than the base alphabet; use at least 257/);
    expect(() => trainBpe('abc', { vocabSize: 300, specialTokens: ['<s>', '<s>'] })).toThrow(/special token "<s>" is empty or listed twice/);
  });

  it('writes a tokenizer.json that loads back to the same encodings', () => {
    const text = 'It was the best of times, it was the worst of times. ';
    const tokenizer = trainBpe(text.repeat(3), { vocabSize: 300 });
    const reloaded = loadHuggingFaceTokenizer(JSON.parse(JSON.stringify(tokenizer.toHuggingFaceJson())));
    expect(reloaded.encode(text)).toEqual(tokenizer.encode(text));
    expect(reloaded.encode(text).length).toBeLessThan(Buffer.byteLength(text) / 2);
  });
});
