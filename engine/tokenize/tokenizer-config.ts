// Hugging Face `tokenizer_config.json`: written beside tokenizer.json so transformers' AutoTokenizer and
// transformers.js pick the fast tokenizer, the special tokens and no decode-time space clean-up; read back leniently.
import { z } from 'zod';
import { addedTokenToJson } from './bpe-tokenizer-json.ts';
import type { Tokenizer } from './tokenizer.ts';

export const DEFAULT_MODEL_MAX_LENGTH = 1024;

/** transformers writes special tokens either as strings or as AddedToken objects. */
const tokenNameSchema = z.union([z.string(), z.looseObject({ content: z.string() }).transform((token) => token.content)]).nullable().optional();

export const tokenizerConfigJsonSchema = z.looseObject({
  tokenizer_class: z.string().optional(),
  model_max_length: z.number().positive().optional(),
  clean_up_tokenization_spaces: z.boolean().optional(),
  bos_token: tokenNameSchema,
  eos_token: tokenNameSchema,
  unk_token: tokenNameSchema,
  pad_token: tokenNameSchema,
});

export type TokenizerConfigJson = z.input<typeof tokenizerConfigJsonSchema>;
export type TokenizerConfig = z.output<typeof tokenizerConfigJsonSchema>;

export interface TokenizerConfigOptions {
  /** Context length of the model the tokenizer serves. */
  modelMaxLength?: number;
}

/** bos and eos are the first special token that is not unk (e.g. `<|endoftext|>`), as in GPT-2's config. */
export function buildTokenizerConfig(tokenizer: Tokenizer, options: TokenizerConfigOptions = {}): TokenizerConfigJson {
  const boundaryToken = tokenizer.addedTokens.find((token) => token.special && token.content !== tokenizer.unkToken)?.content ?? null;
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: options.modelMaxLength ?? DEFAULT_MODEL_MAX_LENGTH,
    clean_up_tokenization_spaces: false,
    bos_token: boundaryToken,
    eos_token: boundaryToken,
    unk_token: tokenizer.unkToken ?? null,
    pad_token: null,
    added_tokens_decoder: Object.fromEntries(tokenizer.addedTokens.map((token) => {
      const { id, ...flags } = addedTokenToJson(token);
      return [String(id), flags];
    })),
  };
}

/** `json` is the parsed file or its text; `source` (a path) prefixes every error message. */
export function readTokenizerConfig(json: unknown, source = 'tokenizer_config.json'): TokenizerConfig {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new Error(`${source}: not valid JSON (${(error as Error).message}); expected a Hugging Face tokenizer_config.json`);
    }
  }
  const result = tokenizerConfigJsonSchema.safeParse(value);
  if (!result.success) throw new Error(`${source}: not a valid tokenizer_config.json: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'} ${issue.message}`).join('; ')}`);
  return result.data;
}
