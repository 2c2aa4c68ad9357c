import { describe, expect, it } from 'vitest';
import { trainBpe, trainChar } from '../../../tokenize/index.ts';
import { ggufVocabulary, TOKEN_TYPE } from './gguf-vocabulary.ts';

const TEXT = 'Café naïve über — ok. The cat sat on the mat; the hat sat on the cat.\n'.repeat(4);

describe('ggufVocabulary', () => {
  it('keeps a byte-level BPE as it is: tokens, "left right" merges, control tokens, BOS = EOS = <|endoftext|>', () => {
    const tokenizer = trainBpe(TEXT, { vocabSize: 300, minFrequency: 2 });
    const json = tokenizer.toHuggingFaceJson();
    const vocabulary = ggufVocabulary(JSON.stringify(json), tokenizer.vocabSize);
    const endOfText = tokenizer.idOf('<|endoftext|>')!;
    expect(vocabulary.tokens).toHaveLength(tokenizer.vocabSize);
    expect(vocabulary.tokens.every((token, id) => token === tokenizer.tokenOf(id))).toBe(true);
    expect(vocabulary.tokenTypes[endOfText]).toBe(TOKEN_TYPE.control);
    expect(vocabulary.tokenTypes.filter((type) => type === TOKEN_TYPE.normal)).toHaveLength(tokenizer.vocabSize - 1);
    expect(vocabulary.merges).toEqual((json.model.merges as (string | [string, string])[]).map((merge) => (typeof merge === 'string' ? merge : merge.join(' '))));
    expect(vocabulary.merges.length).toBeGreaterThan(0);
    expect(vocabulary).toMatchObject({ bos: endOfText, eos: endOfText, unknown: null, notes: [] });
  });

  it('spells a char vocabulary in the byte-level alphabet, with merges that rejoin multi-byte characters', () => {
    const tokenizer = trainChar(TEXT);
    const vocabulary = ggufVocabulary(JSON.stringify(tokenizer.toHuggingFaceJson()), tokenizer.vocabSize);
    const spelled = (character: string) => vocabulary.tokens[tokenizer.idOf(character)!];
    expect(spelled('a')).toBe('a');
    expect(spelled(' ')).toBe('Ġ');
    expect(spelled('\n')).toBe('Ċ');
    expect(spelled('é')).toBe('Ã©'); // C3 A9
    expect(spelled('—')).toBe('âĢĶ'); // E2 80 94
    expect(vocabulary.merges).toContain('Ã ©');
    expect(vocabulary.merges).toContain('â Ģ');
    expect(vocabulary.merges).toContain('âĢ Ķ');
    expect(new Set(vocabulary.merges).size).toBe(vocabulary.merges.length);
    expect(vocabulary.tokenTypes[tokenizer.idOf('<unk>')!]).toBe(TOKEN_TYPE.unknown);
    expect(vocabulary.tokens[tokenizer.idOf('<unk>')!]).toBe('<unk>');
    expect(vocabulary.unknown).toBe(tokenizer.idOf('<unk>'));
    expect(vocabulary.eos).toBe(tokenizer.idOf('<|endoftext|>'));
    expect(vocabulary.notes[0]).toMatch(/silently drops characters outside the vocabulary, where Crucible encodes <unk>/);
  });

  it('ends at the tokenizer\'s last token when the embeddings are padded past it (the writer leaves those rows out)', () => {
    const tokenizer = trainChar(TEXT);
    const vocabulary = ggufVocabulary(JSON.stringify(tokenizer.toHuggingFaceJson()), tokenizer.vocabSize + 2);
    expect(vocabulary.tokens).toHaveLength(tokenizer.vocabSize);
    expect(vocabulary.tokens.some((token) => token.startsWith('[PAD'))).toBe(false);
  });

  it('refuses what llama.cpp would read differently, saying what and why', () => {
    const noEnd = trainChar(TEXT, { specialTokens: [] });
    expect(() => ggufVocabulary(JSON.stringify(noEnd.toHuggingFaceJson()), noEnd.vocabSize)).toThrow(/no end-of-text token.*token 11 as end of text/);
    const bpe = trainBpe(TEXT, { vocabSize: 300, minFrequency: 2 });
    expect(() => ggufVocabulary(JSON.stringify(bpe.toHuggingFaceJson()), bpe.vocabSize - 1)).toThrow(`has ${bpe.vocabSize} tokens but the model's embeddings only ${bpe.vocabSize - 1}`);
    const prefixed = bpe.toHuggingFaceJson();
    prefixed.pre_tokenizer = { ...prefixed.pre_tokenizer!, add_prefix_space: true };
    expect(() => ggufVocabulary(JSON.stringify(prefixed), bpe.vocabSize)).toThrow(/add_prefix_space is true; llama.cpp's GPT-2 pre-tokenizer never adds a leading space/);
  });
});
