// The request bodies of POST /v1/completions and /v1/chat/completions, as zod schemas with OpenAI's ranges.
// Unknown fields are ignored, as OpenAI-compatible servers do; fields we cannot honour are refused by name.
// Numeric fields come from one table of ranges, which also words their 400s ("must be a finite number from 0 to 2").
import { z } from 'zod';
import { describeZodIssue, firstZodIssue, previewValue, valueAtPath } from '../../app/graph/zod-issues.ts';
import { invalidRequest, type OpenAiError } from './openai-error.ts';

const MAX_STOP_SEQUENCES = 4;
const MAX_STOP_CHARS = 1_000;
const MAX_LOGIT_BIAS_ENTRIES = 1_024;
const MAX_MESSAGES = 10_000;
const MAX_LOGIT_BIAS = 100;
/** Prompts one completion request may carry (OpenAI's limit); each becomes one choice. */
export const MAX_PROMPTS = 2_048;

/** A numeric field's allowed values; the schema checks them and the error message states them. */
interface NumberRange {
  min: number;
  max: number;
  integer: boolean;
}

const range = (min: number, max: number, integer = false): NumberRange => ({ min, max, integer });

const SHARED_RANGES = {
  max_tokens: range(1, 1e9, true),
  temperature: range(0, 2),
  top_p: range(0, 1),
  /** Not in OpenAI's API; vLLM and llama.cpp accept it, -1 meaning off. */
  top_k: range(-1, 1e9, true),
  frequency_penalty: range(-2, 2),
  presence_penalty: range(-2, 2),
  /** OpenAI's is an int64: a client's 63-bit random seed arrives as a number near 2^63 (seeded-random.ts folds it). */
  seed: range(-(2 ** 63), 2 ** 63, true),
};
const CHAT_RANGES = { ...SHARED_RANGES, max_completion_tokens: range(1, 1e9, true), top_logprobs: range(0, 20, true) };
/** `max_tokens: 0` only makes sense with `echo` (score the prompt, generate nothing); prepare-generation.ts checks that. */
const COMPLETION_RANGES = { ...SHARED_RANGES, max_tokens: range(0, 1e9, true), logprobs: range(0, 5, true) };

function rangedNumbers<R extends Record<string, NumberRange>>(ranges: R): { [K in keyof R]: z.ZodOptional<z.ZodNullable<z.ZodNumber>> } {
  const entries = Object.entries(ranges).map(([field, { min, max, integer }]) => {
    const number = z.number().min(min).max(max);
    // zod's int() stops at 2^53; a range past it (int64 seeds) takes any whole number within it.
    const whole = max > Number.MAX_SAFE_INTEGER ? number.refine(Number.isInteger, { message: 'must be a whole number' }) : number.int();
    return [field, (integer ? whole : number).nullish()];
  });
  return Object.fromEntries(entries) as { [K in keyof R]: z.ZodOptional<z.ZodNullable<z.ZodNumber>> };
}

/** What a field must be, in words, for fields whose zod issue alone would not say it well. */
type FieldRules = Readonly<Record<string, string>>;

function rulesFor(ranges: Record<string, NumberRange>): FieldRules {
  const rules: Record<string, string> = {
    logit_bias: `must be an object whose keys are token ids (strings of digits, like "50256") and whose values are numbers from -${MAX_LOGIT_BIAS} to ${MAX_LOGIT_BIAS}, at most ${MAX_LOGIT_BIAS_ENTRIES} of them`,
  };
  // 2^63 prints as 9223372036854776000, which reads like a typo: the int64 bounds are written as powers.
  const bound = (value: number) => (Math.abs(value) === 2 ** 63 ? `${value < 0 ? '-' : ''}2^63` : String(value));
  for (const [field, { min, max, integer }] of Object.entries(ranges)) rules[field] = `must be ${integer ? 'an integer' : 'a finite number'} from ${bound(min)} to ${bound(max)}`;
  return rules;
}

const optional = <S extends z.ZodType>(schema: S) => schema.nullish();

const stopSchema = z.union([
  z.string().max(MAX_STOP_CHARS),
  z.array(z.string().min(1).max(MAX_STOP_CHARS)).max(MAX_STOP_SEQUENCES),
]);

const logitBiasSchema = z
  .record(z.string().regex(/^\d{1,9}$/, 'keys must be token ids'), z.number().min(-MAX_LOGIT_BIAS).max(MAX_LOGIT_BIAS))
  .refine((bias) => Object.keys(bias).length <= MAX_LOGIT_BIAS_ENTRIES, `at most ${MAX_LOGIT_BIAS_ENTRIES} entries`);

/** Fields both endpoints share. */
const samplingFields = {
  model: z.string().min(1).max(256),
  stop: optional(stopSchema),
  logit_bias: optional(logitBiasSchema),
  n: optional(z.literal(1, 'only n = 1 is supported')),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: optional(z.boolean()) })),
  user: optional(z.string().max(256)),
};

const textPartSchema = z.object({ type: z.literal('text', 'only text content parts are supported'), text: z.string() });

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(textPartSchema).max(MAX_MESSAGES), z.null()]),
  name: optional(z.string().max(256)),
});

const unsupported = optional(z.never('is not supported by this server'));

export const chatCompletionRequestSchema = z.object({
  ...samplingFields,
  ...rangedNumbers(CHAT_RANGES),
  messages: z.array(messageSchema).min(1).max(MAX_MESSAGES),
  logprobs: optional(z.boolean()),
  response_format: optional(z.object({ type: z.literal('text', 'only "text" is supported') })),
  tools: optional(z.array(z.unknown()).max(0, 'tools are not supported by this server')),
  functions: optional(z.array(z.unknown()).max(0, 'functions are not supported by this server')),
});

export const completionRequestSchema = z.object({
  ...samplingFields,
  ...rangedNumbers(COMPLETION_RANGES),
  prompt: z.union([
    z.string(),
    z.array(z.string()).min(1).max(MAX_PROMPTS, `at most ${MAX_PROMPTS} prompts per request`),
    z.array(z.number().int().min(0).max(1e9)).min(1),
    z.array(z.array(z.number().int().min(0).max(1e9)).min(1)).min(1).max(MAX_PROMPTS, `at most ${MAX_PROMPTS} prompts per request`),
  ]),
  echo: optional(z.boolean()),
  best_of: optional(z.literal(1, 'only best_of = 1 is supported')),
  suffix: unsupported,
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type ChatMessage = z.output<typeof messageSchema>;

/** A request body's schema with the words for its fields' rules. */
export interface RequestForm<S extends z.ZodType> {
  schema: S;
  rules: FieldRules;
}

export const chatCompletionForm: RequestForm<typeof chatCompletionRequestSchema> = { schema: chatCompletionRequestSchema, rules: rulesFor(CHAT_RANGES) };
export const completionForm: RequestForm<typeof completionRequestSchema> = { schema: completionRequestSchema, rules: rulesFor(COMPLETION_RANGES) };

/** Parses a body, or returns OpenAI's 400 naming the first bad field as `param`. */
export function parseRequestBody<S extends z.ZodType>(form: RequestForm<S>, body: unknown): z.output<S> | OpenAiError {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return invalidRequest('The request body must be a JSON object.');
  }
  const parsed = form.schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = firstZodIssue(parsed.error);
  if (!issue) return invalidRequest('The request body is not a valid request.');
  const param = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '') || null;
  const field = issue.path[0];
  const rule = typeof field === 'string' && Object.hasOwn(form.rules, field) ? form.rules[field] : undefined;
  const message = rule ? `got ${previewValue(valueAtPath(body, issue.path))}; ${String(field)} ${rule}` : describeZodIssue(issue, body);
  return invalidRequest(`Invalid value for '${param ?? 'body'}': ${message}.`, param);
}
