// Loads a Hugging Face `tokenizer.json` of the BPE model type into a Tokenizer: GPT-2-style byte-level BPE (also after
// a Digits split, as SmolLM's), or Crucible's char tokenizer (BPE without merges). Anything else fails with a message
// naming the unsupported part.
import { describeZodIssues } from '../../app/graph/zod-issues.ts';
import { parseJsonText } from '../files/json-text.ts';
import { ByteLevelBpeTokenizer } from './byte-level-bpe-tokenizer.ts';
import { CharTokenizer } from './char-tokenizer.ts';
import { bpeModelJsonSchema, tokenizerJsonSchema } from './hugging-face-schema.ts';
import type { AddedTokenJson, BpeModelJson, HuggingFaceTokenizerJson, TokenizerComponentJson } from './hugging-face-schema.ts';
import type { z } from 'zod';
import type { AddedToken, Tokenizer } from './tokenizer.ts';

/** `json` is the parsed file or its text; `source` (a path) prefixes every error message. */
export function loadHuggingFaceTokenizer(json: unknown, source = 'tokenizer.json'): Tokenizer {
  const file = parseWith(tokenizerJsonSchema, typeof json === 'string' ? parseTokenizerText(json, source) : json, source, '');
  if (file.model.type !== 'BPE') throw new Error(`${source}: model.type is "${file.model.type}"; Crucible loads BPE tokenizers only`);
  const model = parseWith(bpeModelJsonSchema, file.model, source, 'model.');
  rejectUnsupportedBpeOptions(model, source);
  if (file.pre_tokenizer?.type === 'ByteLevel') return loadByteLevel(file, model, file.pre_tokenizer, undefined, source);
  if (file.pre_tokenizer?.type === 'Sequence') return loadDigitsThenByteLevel(file, model, file.pre_tokenizer, source);
  if (file.pre_tokenizer === null && file.decoder?.type === 'Fuse' && model.merges.length === 0) return loadChar(file, model, source);
  throw new Error(`${source}: pre_tokenizer ${describeComponent(file.pre_tokenizer)} is not supported; Crucible loads byte-level BPE (pre_tokenizer "ByteLevel", as GPT-2) and its own char tokenizers`);
}

/** SmolLM's and StarCoder's pre-tokenizer: Sequence [Digits, ByteLevel]; other sequences are refused by name. */
function loadDigitsThenByteLevel(file: HuggingFaceTokenizerJson, model: BpeModelJson, sequence: TokenizerComponentJson, source: string): Tokenizer {
  const steps = sequence['pretokenizers'];
  const types = Array.isArray(steps) ? steps.map((step) => (typeof step === 'object' && step !== null ? String((step as { type?: unknown }).type) : typeof step)) : [];
  const [digits, byteLevel] = (Array.isArray(steps) ? steps : []) as TokenizerComponentJson[];
  if (types.length !== 2 || types[0] !== 'Digits' || types[1] !== 'ByteLevel' || digits === undefined || byteLevel === undefined) {
    throw new Error(`${source}: pre_tokenizer Sequence [${types.join(', ')}] is not supported; Crucible loads byte-level BPE with pre_tokenizer "ByteLevel" (GPT-2) or Sequence [Digits, ByteLevel] (SmolLM, StarCoder) — a model whose tokenizer splits text otherwise (Llama 3's Split pattern, SentencePiece's Metaspace) cannot be tokenized exactly, so it is not imported`);
  }
  if (typeof digits['individual_digits'] !== 'boolean') throw new Error(`${source}: pre_tokenizer Digits needs individual_digits true or false, found ${JSON.stringify(digits['individual_digits'])}; the file is damaged — re-download it`);
  if (byteLevel['add_prefix_space'] === true) throw new Error(`${source}: pre_tokenizer ByteLevel after Digits with add_prefix_space true is not supported (it would put a space before every digit); expected false as SmolLM's tokenizer has`);
  return loadByteLevel(file, model, byteLevel, digits['individual_digits'] ? 'individual' : 'runs', source);
}

function loadByteLevel(file: HuggingFaceTokenizerJson, model: BpeModelJson, preTokenizer: TokenizerComponentJson, digits: 'individual' | 'runs' | undefined, source: string): Tokenizer {
  if (preTokenizer['use_regex'] === false) throw new Error(`${source}: pre_tokenizer ByteLevel with use_regex false is not supported; only GPT-2's split pattern is`);
  if (file.normalizer !== null) throw new Error(`${source}: normalizer ${describeComponent(file.normalizer)} is not supported with a byte-level BPE; expected null`);
  if (file.decoder !== null && file.decoder.type !== 'ByteLevel') throw new Error(`${source}: decoder ${describeComponent(file.decoder)} does not match the ByteLevel pre_tokenizer; expected "ByteLevel"`);
  return new ByteLevelBpeTokenizer({
    vocab: new Map(Object.entries(model.vocab)),
    merges: model.merges.map((merge, rank) => parseMerge(merge, rank, source)),
    addedTokens: file.added_tokens.map(addedTokenFromJson),
    addPrefixSpace: preTokenizer['add_prefix_space'] === true,
    ignoreMerges: model.ignore_merges ?? false,
    ...(digits === undefined ? {} : { digits }),
  });
}

/** Crucible's char tokenizer: a BPE model without merges whose vocabulary is single code points plus added tokens. */
function loadChar(file: HuggingFaceTokenizerJson, model: BpeModelJson, source: string): Tokenizer {
  if (file.normalizer !== null) throw new Error(`${source}: normalizer ${describeComponent(file.normalizer)} is not supported with a char tokenizer; expected null`);
  if (!model.unk_token) throw new Error(`${source}: model.unk_token must name the token for unseen characters in a char tokenizer (BPE without merges)`);
  if (model.fuse_unk === true) throw new Error(`${source}: model options not supported: fuse_unk true (a run of unseen characters as one ${model.unk_token}); Crucible's char tokenizer writes one ${model.unk_token} per unseen character, so set it to false`);
  const addedTokens = file.added_tokens.map(addedTokenFromJson);
  const addedContents = new Set(addedTokens.map((token) => token.content));
  const notACharacter = Object.keys(model.vocab).find((token) => !addedContents.has(token) && token !== model.unk_token && [...token].length !== 1);
  if (notACharacter !== undefined) throw new Error(`${source}: model.vocab entry ${JSON.stringify(notACharacter)} is not a single character; a BPE model without merges or pre_tokenizer can only produce single characters`);
  return new CharTokenizer({ vocab: new Map(Object.entries(model.vocab)), unkToken: model.unk_token, addedTokens });
}

export function addedTokenFromJson(token: AddedTokenJson): AddedToken {
  return { id: token.id, content: token.content, special: token.special, lstrip: token.lstrip, rstrip: token.rstrip, singleWord: token.single_word };
}

function parseMerge(merge: string | [string, string], rank: number, source: string): [string, string] {
  if (typeof merge !== 'string') return merge;
  const parts = merge.split(' ');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new Error(`${source}: model.merges[${rank}] ${JSON.stringify(merge)} must be two tokens separated by one space`);
  return parts as [string, string];
}

function rejectUnsupportedBpeOptions(model: BpeModelJson, source: string): void {
  const unsupported: string[] = [];
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) unsupported.push(`dropout ${model.dropout}`);
  if (model.continuing_subword_prefix) unsupported.push(`continuing_subword_prefix ${JSON.stringify(model.continuing_subword_prefix)}`);
  if (model.end_of_word_suffix) unsupported.push(`end_of_word_suffix ${JSON.stringify(model.end_of_word_suffix)}`);
  if (model.byte_fallback) unsupported.push('byte_fallback true');
  if (unsupported.length > 0) throw new Error(`${source}: model options not supported: ${unsupported.join(', ')}`);
}

function describeComponent(component: TokenizerComponentJson | null): string {
  return component === null ? 'null' : JSON.stringify(component.type);
}

function parseTokenizerText(text: string, source: string): unknown {
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  throw new Error(`${source}: ${parsed.problem}; the file is damaged or not a Hugging Face tokenizer.json — re-export or re-download it`);
}

function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown, source: string, fieldPrefix: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeZodIssues(result.error, value).slice(0, 5).map(({ field, message }) => `${fieldPrefix}${field || '(top level)'} ${message}`);
  throw new Error(`${source}: not a valid tokenizer.json: ${problems.join('; ')}`);
}
