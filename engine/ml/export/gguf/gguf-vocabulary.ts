// A Crucible tokenizer as llama.cpp's "gpt2" vocabulary (byte-level BPE with GPT-2's pre-tokenizer): the tokens, their
// types, the merges and the special ids GGUF's tokenizer.ggml.* keys hold.
//
// - Byte-level BPE: the tokens and merges as they are (they already spell bytes in GPT-2's byte-level alphabet).
// - Char vocabularies: each character is spelled as its UTF-8 bytes in that alphabet ("é" → "Ã©"), and each
//   multi-byte character gets the merges that join its bytes back into one token, so llama.cpp's BPE yields the
//   same ids. A character outside the vocabulary is dropped by llama.cpp (it has no unknown token for BPE), where
//   Crucible encodes `<unk>`: the export says so.
// - Anything llama.cpp would read differently is refused with what and why.

import { bytesToByteLevel, byteLevelToBytes, loadHuggingFaceTokenizer, type HuggingFaceTokenizerJson } from '../../../tokenize/index.ts';
import { specialTokenIds } from '../model-folder.ts';

/** llama.cpp's token types (llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5 } as const;

export interface GgufVocabulary {
  /** tokenizer.ggml.pre: llama.cpp's pre-tokenizer, "gpt-2", or "smollm" for digits split off first (SmolLM's). */
  pre: string;
  tokens: string[];
  tokenTypes: number[];
  /** "left right", rank order. */
  merges: string[];
  bos: number;
  eos: number;
  /** The char vocabularies' `<unk>`; llama.cpp's BPE never produces it. */
  unknown: number | null;
  /** Things llama.cpp will do differently from Crucible, for the export's log and report. */
  notes: string[];
}

export function ggufVocabulary(tokenizerJsonText: string, modelVocabSize: number, source = 'tokenizer.json'): GgufVocabulary {
  const tokenizer = loadHuggingFaceTokenizer(tokenizerJsonText, source);
  const json = tokenizer.toHuggingFaceJson();
  const refuse = (what: string) => new Error(`GGUF export: ${source}: ${what}`);
  if (tokenizer.vocabSize > modelVocabSize) throw refuse(`the tokenizer has ${tokenizer.vocabSize} tokens but the model's embeddings only ${modelVocabSize}; they do not belong together`);
  const added = new Map(tokenizer.addedTokens.map((token) => [token.id, token]));

  const notes: string[] = [];
  const unknownText = tokenizer.unkToken;
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  let merges: string[];
  let pre = 'gpt-2';
  const spell = tokenizer.kind === 'char' ? spellCharacter : (text: string, id: number) => checkByteLevel(text, id, refuse);
  // The tokenizer's ids only: embedding rows past them (a table padded to 50304 rows over 50257 tokens) are left out
  // of the file, as Crucible never samples them and llama.cpp would (write-gguf.ts trims the tensors to match).
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const text = tokenizer.tokenOf(id);
    const addedToken = added.get(id);
    if (text === undefined) {
      tokens.push(`[PAD${id}]`);
      tokenTypes.push(TOKEN_TYPE.unused);
    } else if (addedToken !== undefined || text === unknownText) {
      tokens.push(text);
      tokenTypes.push(text === unknownText ? TOKEN_TYPE.unknown : addedToken?.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined);
    } else {
      tokens.push(spell(text, id));
      tokenTypes.push(TOKEN_TYPE.normal);
    }
  }
  if (tokenizer.kind === 'char') {
    merges = characterMerges(tokens, tokenTypes);
    notes.push(`char vocabulary spelled in GPT-2's byte-level alphabet (${merges.length} merges rejoin multi-byte characters); llama.cpp silently drops characters outside the vocabulary, where Crucible encodes ${unknownText}`);
  } else {
    checkByteLevelOptions(json, refuse);
    pre = preTokenizerOf(json, refuse);
    merges = ((json.model as { merges?: (string | [string, string])[] }).merges ?? []).map((merge) => (typeof merge === 'string' ? merge : merge.join(' ')));
    const spaced = merges.find((merge) => merge.split(' ').length !== 2);
    if (spaced !== undefined) throw refuse(`merge ${JSON.stringify(spaced)} has a token with a space in it; GGUF stores merges as "left right" and cannot hold it`);
  }
  const duplicate = tokens.find((token, index) => tokens.indexOf(token) !== index);
  if (duplicate !== undefined) throw refuse(`two tokens would both be written as ${JSON.stringify(duplicate)}; llama.cpp looks tokens up by text and could not tell them apart`);
  if ([...added.values()].some((token) => token.lstrip || token.rstrip || token.singleWord)) notes.push('added tokens with lstrip, rstrip or single_word flags: GGUF does not carry those flags');

  const { bos, eos } = specialTokenIds(tokenizerJsonText);
  if (eos === null || bos === null) {
    throw refuse(
      'the tokenizer has no end-of-text token (a special token such as <|endoftext|>); without one llama.cpp takes token 11 as end of text and would stop generating wherever the model writes it. Train the tokenizer with a special token (the tokenizer node\'s default specialTokens: ["<|endoftext|>"]) and the model again',
    );
  }
  return { pre, tokens, tokenTypes, merges, bos, eos, unknown: unknownText === undefined ? null : (tokenizer.idOf(unknownText) ?? null), notes };
}

function spellCharacter(text: string): string {
  return bytesToByteLevel(Buffer.from(text, 'utf8'));
}

function checkByteLevel(text: string, id: number, refuse: (what: string) => Error): string {
  if (byteLevelToBytes(text) === undefined) throw refuse(`token ${id} ${JSON.stringify(text)} is not spelled in GPT-2's byte-level alphabet; llama.cpp would print it as [UNK_BYTE_…]`);
  return text;
}

/** For every spelled multi-byte character, the merges that join its bytes left to right; shared prefixes once. */
function characterMerges(tokens: readonly string[], tokenTypes: readonly number[]): string[] {
  const merges = new Set<string>();
  tokens.forEach((token, id) => {
    if (tokenTypes[id] !== TOKEN_TYPE.normal) return;
    for (let length = 1; length < token.length; length++) merges.add(`${token.slice(0, length)} ${token[length]}`);
  });
  return [...merges];
}

/**
 * llama.cpp's pre-tokenizer for the file's split: GPT-2's pattern ("gpt-2"), or every digit on its own first and then
 * GPT-2's pattern ("smollm", which SmolLM's Digits + ByteLevel tokenizer.json names). Digits kept in runs has no
 * llama.cpp counterpart.
 */
function preTokenizerOf(json: HuggingFaceTokenizerJson, refuse: (what: string) => Error): string {
  if (json.pre_tokenizer?.type !== 'Sequence') return 'gpt-2';
  const digits = (json.pre_tokenizer['pretokenizers'] as { individual_digits?: boolean }[] | undefined)?.[0];
  if (digits?.individual_digits !== true) throw refuse('pre_tokenizer Digits keeps runs of digits together (individual_digits false); llama.cpp has no pre-tokenizer that splits text that way');
  return 'smollm';
}

/** What llama.cpp's "gpt-2" pre-tokenizer cannot mirror. */
function checkByteLevelOptions(json: HuggingFaceTokenizerJson, refuse: (what: string) => Error): void {
  if (json.pre_tokenizer?.['add_prefix_space'] === true) throw refuse('pre_tokenizer.add_prefix_space is true; llama.cpp\'s GPT-2 pre-tokenizer never adds a leading space, so every prompt would tokenize differently');
  if ((json.model as { ignore_merges?: boolean }).ignore_merges === true) throw refuse('model.ignore_merges is true; llama.cpp\'s GPT-2 pre-tokenizer always applies the merges, so some words would tokenize differently');
}
