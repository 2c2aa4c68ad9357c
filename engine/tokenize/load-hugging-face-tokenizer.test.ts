// Checks that malformed or unsupported tokenizer.json files fail with messages naming the file and the field.
import { describe, expect, it } from 'vitest';
import { BYTE_ALPHABET_BY_CODE_POINT } from './byte-level-alphabet.ts';
import { byteLevelBpeToJson } from './byte-level-bpe-json.ts';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
import { trainChar } from './train-char.ts';
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';

function smallByteLevelJson(): HuggingFaceTokenizerJson {
  const vocab = new Map(BYTE_ALPHABET_BY_CODE_POINT.map((char, id) => [char, id]));
  vocab.set('he', 256);
  return byteLevelBpeToJson({ vocab, merges: [['h', 'e']], addedTokens: [] });
}

describe('loadHuggingFaceTokenizer', () => {
  it('loads a byte-level BPE file from its text', () => {
    const tokenizer = loadHuggingFaceTokenizer(JSON.stringify(smallByteLevelJson()));
    expect(tokenizer.encode('hehe')).toEqual([256, 256]);
  });

  it('reports text that is not JSON, naming the file', () => {
    expect(() => loadHuggingFaceTokenizer('{"model": ', 'models/gpt2/tokenizer.json')).toThrow(/^models\/gpt2\/tokenizer.json: not valid JSON at line 1, column 11/);
  });

  it('reports a file of binary bytes without echoing them, and says what to do', () => {
    const binary = Buffer.from([0x89, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x80]).toString('utf8');
    expect(() => loadHuggingFaceTokenizer(binary, 'models/gpt2/tokenizer.json')).toThrow(
      /^models\/gpt2\/tokenizer.json: not JSON: it holds binary data; the file is damaged or not a Hugging Face tokenizer.json — re-export or re-download it$/,
    );
  });

  it('reports a missing model and a vocabulary with bad ids', () => {
    expect(() => loadHuggingFaceTokenizer({ added_tokens: [] })).toThrow(/tokenizer.json: not a valid tokenizer.json: model is required/);
    const badIds = smallByteLevelJson();
    badIds.model['vocab'] = { a: -1 };
    expect(() => loadHuggingFaceTokenizer(badIds)).toThrow(/model.vocab .*non-negative integer id/);
  });

  it('rejects model types other than BPE', () => {
    expect(() => loadHuggingFaceTokenizer({ model: { type: 'WordPiece', vocab: {} } })).toThrow(/model.type is "WordPiece"; Crucible loads BPE tokenizers only/);
  });

  it('rejects a merge that is not two tokens', () => {
    const file = smallByteLevelJson();
    file.model['merges'] = ['h e x'];
    expect(() => loadHuggingFaceTokenizer(file)).toThrow(/model.merges\[0\] "h e x" must be two tokens/);
  });

  it('rejects a merge whose parts are not in the vocabulary', () => {
    const file = smallByteLevelJson();
    file.model['merges'] = ['he he'];
    expect(() => loadHuggingFaceTokenizer(file)).toThrow(/"hehe" not in the vocabulary/);
  });

  it('rejects pre-tokenizers and model options it cannot reproduce', () => {
    const metaspace = { ...smallByteLevelJson(), pre_tokenizer: { type: 'Metaspace' } };
    expect(() => loadHuggingFaceTokenizer(metaspace)).toThrow(/pre_tokenizer "Metaspace" is not supported/);
    const llama3 = { ...smallByteLevelJson(), pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\p{N}{1,3}' } }, { type: 'ByteLevel', use_regex: false }] } };
    expect(() => loadHuggingFaceTokenizer(llama3)).toThrow(/pre_tokenizer Sequence \[Split, ByteLevel\] is not supported; .*Sequence \[Digits, ByteLevel\]/);
    const spacedDigits = { ...smallByteLevelJson(), pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel', add_prefix_space: true }] } };
    expect(() => loadHuggingFaceTokenizer(spacedDigits)).toThrow(/ByteLevel after Digits with add_prefix_space true is not supported/);
    const byteFallback = smallByteLevelJson();
    byteFallback.model['byte_fallback'] = true;
    expect(() => loadHuggingFaceTokenizer(byteFallback)).toThrow(/model options not supported: byte_fallback true/);
    // A char vocabulary that fuses runs of unseen characters into one <unk>: Crucible writes one per character.
    const fused = trainChar('hello world').toHuggingFaceJson();
    (fused.model as Record<string, unknown>)['fuse_unk'] = true;
    expect(() => loadHuggingFaceTokenizer(fused)).toThrow(/model options not supported: fuse_unk true .* one <unk> per unseen character/);
  });
});
