// The request bodies of POST /v1/completions and /v1/chat/completions, as zod schemas with OpenAI's ranges.
// Unknown fields are ignored, as OpenAI-compatible servers do; fields we cannot honour are refused by name.
import { z } from 'zod';
import { describeZodIssues } from '../../app/graph/zod-issues.ts';
import { invalidRequest, type OpenAiError } from './openai-error.ts';

const MAX_STOP_SEQUENCES = 4;
const MAX_STOP_CHARS = 1_000;
const MAX_LOGIT_BIAS_ENTRIES = 1_024;
const MAX_MESSAGES = 10_000;

const optional = <S extends z.ZodType>(schema: S) => schema.nullish();

const stopSchema = z.union([
  z.string().max(MAX_STOP_CHARS),
  z.array(z.string().min(1).max(MAX_STOP_CHARS)).max(MAX_STOP_SEQUENCES),
]);

const logitBiasSchema = z
  .record(z.string().regex(/^\d{1,9}$/, 'keys must be token ids'), z.number().min(-100).max(100))
  .refine((bias) => Object.keys(bias).length <= MAX_LOGIT_BIAS_ENTRIES, `at most ${MAX_LOGIT_BIAS_ENTRIES} entries`);

/** Fields both endpoints share. */
const samplingFields = {
  model: z.string().min(1).max(256),
  max_tokens: optional(z.number().int().min(1).max(1e9)),
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  /** Not in OpenAI's API; vLLM and llama.cpp accept it, -1 meaning off. */
  top_k: optional(z.number().int().min(-1).max(1e9)),
  frequency_penalty: optional(z.number().min(-2).max(2)),
  presence_penalty: optional(z.number().min(-2).max(2)),
  seed: optional(z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER)),
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
  messages: z.array(messageSchema).min(1).max(MAX_MESSAGES),
  max_completion_tokens: optional(z.number().int().min(1).max(1e9)),
  logprobs: optional(z.boolean()),
  top_logprobs: optional(z.number().int().min(0).max(20)),
  response_format: optional(z.object({ type: z.literal('text', 'only "text" is supported') })),
  tools: optional(z.array(z.unknown()).max(0, 'tools are not supported by this server')),
  functions: optional(z.array(z.unknown()).max(0, 'functions are not supported by this server')),
});

export const completionRequestSchema = z.object({
  ...samplingFields,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'send one prompt per request'),
    z.array(z.number().int().min(0).max(1e9)).min(1),
    z.array(z.array(z.number().int().min(0).max(1e9)).min(1)).length(1, 'send one prompt per request'),
  ]),
  logprobs: optional(z.number().int().min(0).max(5)),
  echo: optional(z.literal(false, 'echo is not supported by this server')),
  best_of: optional(z.literal(1, 'only best_of = 1 is supported')),
  suffix: unsupported,
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type ChatMessage = z.output<typeof messageSchema>;

/** Parses a body, or returns OpenAI's 400 naming the first bad field as `param`. */
export function parseRequestBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> | OpenAiError {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return invalidRequest('The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const [first] = describeZodIssues(parsed.error, body);
  const param = parsed.error.issues[0]?.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '') ?? null;
  return invalidRequest(`Invalid value for '${param ?? 'body'}': ${first?.message ?? 'invalid request'}.`, param || null);
}
