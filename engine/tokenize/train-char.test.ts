// Checks the char tokenizer: sorted code-point vocabulary, <unk> for unseen characters, special tokens, and its
// tokenizer.json (BPE without merges + Fuse decoder) loading back to the same behaviour.
import { describe, expect, it } from 'vitest';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
import { trainChar } from './train-char.ts';

describe('trainChar', () => {
  const tokenizer = trainChar(['hello world\n', 'wörld 😀<|endoftext|>'], {});

  it('numbers the corpus characters in code-point order, then <unk>, then special tokens', () => {
    const characters = ['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'ö', '😀'];
    expect(characters.map((character) => tokenizer.idOf(character))).toEqual(characters.map((_, index) => index));
    expect(tokenizer.idOf('<unk>')).toBe(characters.length);
    expect(tokenizer.idOf('<|endoftext|>')).toBe(characters.length + 1);
    expect(tokenizer.vocabSize).toBe(characters.length + 2);
    expect(tokenizer.idOf('<')).toBeUndefined();
  });

  it('encodes one id per code point and special tokens whole', () => {
    expect(tokenizer.encode('wö😀<|endoftext|>')).toEqual([8, 9, 10, 12]);
  });

  it('maps unseen characters, one each, to <unk>', () => {
    const unk = tokenizer.idOf('<unk>');
    expect(tokenizer.encode('hex🎉')).toEqual([4, 3, unk, unk]);
    expect(tokenizer.decode(tokenizer.encode('hex'))).toBe('he<unk>');
  });

  it('round-trips through tokenizer.json', () => {
    const json = tokenizer.toHuggingFaceJson();
    expect(json.decoder).toEqual({ type: 'Fuse' });
    expect(json.model['merges']).toEqual([]);
    const reloaded = loadHuggingFaceTokenizer(JSON.stringify(json));
    expect(reloaded.kind).toBe('char');
    const text = 'hello wörld 😀 xyz<|endoftext|>';
    expect(reloaded.encode(text)).toEqual(tokenizer.encode(text));
    expect(reloaded.decode(reloaded.encode(text))).toBe(tokenizer.decode(tokenizer.encode(text)));
  });

  it('refuses a char tokenizer.json whose vocabulary holds multi-character tokens', () => {
    const json = tokenizer.toHuggingFaceJson();
    json.model['vocab'] = { ...(json.model['vocab'] as Record<string, number>), ab: 99 };
    expect(() => loadHuggingFaceTokenizer(json)).toThrow(/model.vocab entry "ab" is not a single character/);
  });

  it('rejects an unk token that is also a special token', () => {
    expect(() => trainChar('abc', { unkToken: '<|endoftext|>' })).toThrow(/"<\|endoftext\|>" is empty or listed twice/);
  });
});
