// The parts of Hugging Face's `tokenizer.json` (tokenizers 0.x format "1.0") that Crucible reads and writes, as zod
// schemas. Components stay loose objects so unknown fields survive; their types are checked where they are used.
import { z } from 'zod';

export const addedTokenJsonSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  content: z.string().min(1),
  single_word: z.boolean().default(false),
  lstrip: z.boolean().default(false),
  rstrip: z.boolean().default(false),
  normalized: z.boolean().default(false),
  special: z.boolean().default(false),
});

const componentSchema = z.looseObject({ type: z.string() });

/** `model.merges` as either `"a b"` (tokenizers < 0.20) or `["a", "b"]` (newer). */
const mergeJsonSchema = z.union([z.string(), z.tuple([z.string(), z.string()])]);

/** Checked by hand: zod's record schema takes ~200 ms on GPT-2's 50k entries. */
function isVocabRecord(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const id of Object.values(value)) if (!Number.isInteger(id) || id < 0) return false;
  return true;
}

export const bpeModelJsonSchema = z.looseObject({
  type: z.literal('BPE'),
  vocab: z.custom<Record<string, number>>(isVocabRecord, 'must be an object mapping each token to a non-negative integer id'),
  merges: z.array(mergeJsonSchema).default([]),
  dropout: z.number().nullable().optional(),
  unk_token: z.string().nullable().optional(),
  continuing_subword_prefix: z.string().nullable().optional(),
  end_of_word_suffix: z.string().nullable().optional(),
  fuse_unk: z.boolean().optional(),
  byte_fallback: z.boolean().optional(),
  ignore_merges: z.boolean().optional(),
});

export const tokenizerJsonSchema = z.looseObject({
  version: z.string().optional(),
  added_tokens: z.array(addedTokenJsonSchema).default([]),
  normalizer: componentSchema.nullable().default(null),
  pre_tokenizer: componentSchema.nullable().default(null),
  post_processor: componentSchema.nullable().default(null),
  decoder: componentSchema.nullable().default(null),
  model: componentSchema,
});

export type AddedTokenJson = z.output<typeof addedTokenJsonSchema>;
export type BpeModelJson = z.output<typeof bpeModelJsonSchema>;
export type HuggingFaceTokenizerJson = z.output<typeof tokenizerJsonSchema>;
export type TokenizerComponentJson = z.output<typeof componentSchema>;
