// Writes a byte-level BPE definition as Hugging Face `tokenizer.json`, shaped like GPT-2's own file so that the
// `tokenizers` library and transformers.js load it unchanged.
import { bpeTokenizerJson } from './bpe-tokenizer-json.ts';
import type { ByteLevelBpeDefinition } from './byte-level-bpe-tokenizer.ts';
import type { HuggingFaceTokenizerJson } from './hugging-face-schema.ts';

/** Merges go out as `"a b"` strings, which every reader accepts, unless a token holds a space (then `["a", "b"]`). */
function mergesToJson(merges: ByteLevelBpeDefinition['merges']): (string | [string, string])[] {
  const anySpace = merges.some(([left, right]) => left.includes(' ') || right.includes(' '));
  return merges.map(([left, right]) => (anySpace ? [left, right] : `${left} ${right}`));
}

export function byteLevelBpeToJson(definition: ByteLevelBpeDefinition): HuggingFaceTokenizerJson {
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true });
  return bpeTokenizerJson({
    addedTokens: definition.addedTokens,
    preTokenizer: definition.digits === undefined ? byteLevel(definition.addPrefixSpace ?? false, true) : {
      type: 'Sequence',
      pretokenizers: [{ type: 'Digits', individual_digits: definition.digits === 'individual' }, byteLevel(definition.addPrefixSpace ?? false, true)],
    },
    postProcessor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    vocab: definition.vocab,
    merges: mergesToJson(definition.merges),
    unkToken: null,
    ignoreMerges: definition.ignoreMerges ?? false,
  });
}
