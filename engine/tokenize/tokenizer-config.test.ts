// Checks tokenizer_config.json: GPT-2-like special tokens for BPE, unk for char, and lenient reading of both
// the string and the AddedToken-object forms transformers writes.
import { describe, expect, it } from 'vitest';
import { buildTokenizerConfig, readTokenizerConfig } from './tokenizer-config.ts';
import { trainBpe } from './train-bpe.ts';
import { trainChar } from './train-char.ts';

describe('tokenizer_config.json', () => {
  it('names <|endoftext|> as bos and eos for a trained BPE and turns off space clean-up', () => {
    const config = buildTokenizerConfig(trainBpe('some text', { vocabSize: 260 }), { modelMaxLength: 256 });
    expect(config).toMatchObject({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: null, model_max_length: 256, clean_up_tokenization_spaces: false });
    expect(config['added_tokens_decoder']).toEqual({ '0': { content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true } });
  });

  it('names <unk> for a char tokenizer and keeps it out of bos/eos', () => {
    const config = buildTokenizerConfig(trainChar('abc'));
    expect(config).toMatchObject({ unk_token: '<unk>', bos_token: '<|endoftext|>' });
  });

  it('reads what it writes, and AddedToken objects as token names', () => {
    const written = buildTokenizerConfig(trainChar('abc'));
    expect(readTokenizerConfig(JSON.stringify(written)).unk_token).toBe('<unk>');
    expect(readTokenizerConfig({ eos_token: { content: '</s>', lstrip: false } }).eos_token).toBe('</s>');
  });

  it('reports malformed files with the file name', () => {
    expect(() => readTokenizerConfig('{', 'out/tokenizer_config.json')).toThrow(/^out\/tokenizer_config.json: not valid JSON/);
    expect(() => readTokenizerConfig({ model_max_length: -1 })).toThrow(/model_max_length/);
  });
});
