// vLLM's tokenizer routes, which lm-evaluation-harness's `local-completions` looks for (`tokenizer_backend=auto`):
// with them it tokenizes through the deployment itself and needs no local copy of the tokenizer.
//   GET  /tokenizer_info[?model=M]           → { model, eos_token, bos_token, pad_token, chat_template, max_model_len, vocab_size }
//   POST /tokenize   { model?, prompt, add_special_tokens? } → { count, max_model_len, tokens }
//   POST /detokenize { model?, tokens }                      → { prompt }
// `model` may be left out when the endpoint serves one deployment. Keys, model scopes and errors as for /v1/models.
// Crucible's tokenizers add no special tokens when encoding, so `add_special_tokens` changes nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authenticateCaller, checkModelScope } from './caller-auth.ts';
import type { Deployment } from './deployment.ts';
import { invalidRequest, modelNotFound, OpenAiError } from './openai-error.ts';
import { parseRequestBody, type RequestForm } from './request-schemas.ts';
import type { ServerContext } from './server-context.ts';

const MAX_DETOKENIZED_TOKENS = 1_000_000;

const tokenizeSchema = z.object({
  model: z.string().min(1).max(256).nullish(),
  prompt: z.string(),
  add_special_tokens: z.boolean().nullish(),
});
const detokenizeSchema = z.object({
  model: z.string().min(1).max(256).nullish(),
  tokens: z.array(z.number().int().min(0)).max(MAX_DETOKENIZED_TOKENS),
});
const tokenizeForm: RequestForm<typeof tokenizeSchema> = { schema: tokenizeSchema, rules: {} };
const detokenizeForm: RequestForm<typeof detokenizeSchema> = { schema: detokenizeSchema, rules: {} };

export function registerTokenizerRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get<{ Querystring: { model?: string } }>('/tokenizer_info', async (request) => {
    const model = request.query.model;
    const deployment = await deploymentFor(request, typeof model === 'string' && model !== '' ? model : null, context);
    const { generator } = deployment;
    return {
      model: deployment.model,
      eos_token: generator.specialTokens?.eos ?? null,
      bos_token: generator.specialTokens?.bos ?? null,
      pad_token: null,
      chat_template: generator.chatTemplate ?? null,
      max_model_len: generator.contextLength,
      vocab_size: generator.vocabularySize,
    };
  });
  app.post('/tokenize', async (request) => {
    const body = parseRequestBody(tokenizeForm, request.body);
    if (body instanceof OpenAiError) throw body;
    const deployment = await deploymentFor(request, body.model, context);
    const tokens = deployment.generator.tokenize(body.prompt);
    return { count: tokens.length, max_model_len: deployment.generator.contextLength, tokens };
  });
  app.post('/detokenize', async (request) => {
    const body = parseRequestBody(detokenizeForm, request.body);
    if (body instanceof OpenAiError) throw body;
    const deployment = await deploymentFor(request, body.model, context);
    const size = deployment.generator.vocabularySize;
    const bad = body.tokens.findIndex((id) => id >= size);
    if (bad >= 0) throw invalidRequest(`Invalid token id ${body.tokens[bad]} in 'tokens[${bad}]': the model's vocabulary has ${size} tokens (ids 0–${size - 1}).`, `tokens[${bad}]`);
    return { prompt: deployment.generator.detokenize(body.tokens) };
  });
}

/** The named deployment, or the only one; the caller's key must be allowed to use it. */
async function deploymentFor(request: FastifyRequest, model: string | null | undefined, context: ServerContext): Promise<Deployment> {
  const caller = await authenticateCaller(request.headers.authorization, context.auth, context.defaultLimits, new Date(context.now()));
  const name = model ?? onlyModel(context);
  const deployment = context.deployments.get(name);
  if (!deployment) throw modelNotFound(name);
  checkModelScope(caller, name);
  return deployment;
}

function onlyModel(context: ServerContext): string {
  const names = [...context.deployments.keys()];
  if (names.length === 1) return names[0]!;
  const served = names.length === 0 ? 'serves no local model' : `serves ${names.length} models (${names.slice(0, 5).join(', ')})`;
  throw invalidRequest(`This endpoint ${served}; name the one whose tokenizer you want in 'model'.`, 'model');
}
