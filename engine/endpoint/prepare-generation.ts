// Turns a validated OpenAI request into what the generator runs: prompt tokens (chat messages go through the chat
// template), sampling settings with the deployment's defaults, stop strings, and the context-length check. A
// completion may carry several prompts (each its own request and choice) and `echo` (the prompt comes back first,
// scored when logprobs are asked: what evaluation harnesses send, often with `max_tokens` 0 or 1).
import type { Deployment } from './deployment.ts';
import { invalidRequest } from './openai-error.ts';
import type { ChatCompletionRequest, CompletionRequest } from './request-schemas.ts';
import type { GenerationRequest } from '../inference/text-generator.ts';

export interface PreparedGeneration {
  /** One per prompt, in order (a chat request has one); each becomes the choice of its index. */
  requests: GenerationRequest[];
  /** Completions only: answer each choice with its prompt before the completion (and the prompt's logprobs). */
  echo: boolean;
  /** Client stop strings plus any the chat template implies. */
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

type SharedFields = Omit<ChatCompletionRequest, 'messages' | 'logprobs' | 'top_logprobs' | 'response_format' | 'tools' | 'functions' | 'max_completion_tokens'>;

interface PromptSide {
  /** Each prompt's tokens. */
  prompts: number[][];
  /** How OpenAI names the prompt in its context-length message: "messages" or "prompt". */
  kind: 'messages' | 'prompt';
  impliedStop: string[];
  logprobs: boolean;
  topLogprobs: number;
  maxTokens: number | null | undefined;
}

export function prepareChat(body: ChatCompletionRequest, deployment: Deployment): PreparedGeneration {
  if (body.top_logprobs != null && body.top_logprobs > 0 && body.logprobs !== true) {
    throw invalidRequest('logprobs must be set to true if top_logprobs is set.', 'top_logprobs');
  }
  const text = deployment.chat.render(body.messages);
  return prepare(body, deployment, false, {
    prompts: [deployment.generator.tokenize(text)],
    kind: 'messages',
    impliedStop: deployment.chat.impliedStop,
    logprobs: body.logprobs === true,
    topLogprobs: body.top_logprobs ?? 0,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
  });
}

export function prepareCompletion(body: CompletionRequest, deployment: Deployment): PreparedGeneration {
  const echo = body.echo === true;
  const prompts = promptTokensOf(body.prompt, deployment);
  if (body.max_tokens === 0 && !echo) {
    throw invalidRequest("Invalid 'max_tokens': got 0; max_tokens 0 is only allowed with echo: true (the prompt is returned, scored when logprobs is set, and nothing is generated). Ask for at least 1 token.", 'max_tokens');
  }
  if (body.stream === true && echo) throw invalidRequest("Invalid 'echo': echo is only supported without streaming; send stream: false (evaluation harnesses do).", 'echo');
  if (body.stream === true && prompts.length > 1) throw invalidRequest(`Invalid 'prompt': ${prompts.length} prompts were sent with stream: true; stream one prompt per request, or send stream: false to get one choice per prompt.`, 'prompt');
  if (echo && body.logprobs != null && deployment.generator.scorePrompt === undefined) {
    throw invalidRequest(`Invalid 'echo': model \`${deployment.model}\` cannot score prompts, so echo with logprobs is not available for it; leave out logprobs or echo.`, 'echo');
  }
  return prepare(body, deployment, echo, {
    prompts,
    kind: 'prompt',
    impliedStop: [],
    logprobs: body.logprobs != null,
    topLogprobs: body.logprobs ?? 0,
    maxTokens: body.max_tokens,
  });
}

function prepare(body: SharedFields, deployment: Deployment, echo: boolean, prompt: PromptSide): PreparedGeneration {
  const { defaults } = deployment;
  const requests = prompt.prompts.map((tokens): GenerationRequest => {
    checkCanStart(deployment, prompt.kind, tokens);
    return {
      promptTokens: tokens,
      maxTokens: maxTokensWithin(deployment, prompt, tokens.length),
      temperature: body.temperature ?? defaults.temperature,
      topP: body.top_p ?? defaults.topP,
      topK: body.top_k == null ? defaults.topK : Math.max(0, body.top_k),
      ...(body.seed != null ? { seed: body.seed } : {}),
      frequencyPenalty: body.frequency_penalty ?? 0,
      presencePenalty: body.presence_penalty ?? 0,
      logitBias: logitBiasOf(body.logit_bias, deployment.generator.vocabularySize),
      logprobs: prompt.logprobs,
      topLogprobs: prompt.topLogprobs,
    };
  });
  return {
    requests,
    echo,
    stop: [...stopList(body.stop), ...prompt.impliedStop],
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
  };
}

/**
 * An empty prompt starts from the model's beginning- or end-of-text token (GPT-2's BOS is its EOS); a model with
 * neither has nothing to condition on, and its runtime would fail the generation with a 500 the client retries.
 */
function checkCanStart(deployment: Deployment, kind: PromptSide['kind'], tokens: readonly number[]): void {
  if (tokens.length > 0) return;
  const special = deployment.generator.specialTokens;
  if (special?.bos !== undefined || special?.eos !== undefined) return;
  const what = kind === 'messages' ? 'the chat template rendered the messages to no tokens' : 'the prompt is empty';
  throw invalidRequest(`Invalid '${kind}': ${what} and model \`${deployment.model}\` has no beginning- or end-of-text token to start from; send at least one token of prompt.`, kind, 'empty_prompt');
}

/**
 * The client's max_tokens must fit; left out, it is the default cut to what the context leaves. Never truncates. An
 * empty prompt starts from the generator's start token (checkCanStart ran first, so it has one), which takes a slot:
 * it counts as one token of prompt.
 */
function maxTokensWithin(deployment: Deployment, prompt: PromptSide, tokenCount: number): number {
  const limit = deployment.contextLength;
  const startToken = tokenCount === 0;
  const promptLength = startToken ? 1 : tokenCount;
  if (prompt.maxTokens == null) {
    if (promptLength >= limit) {
      const message = `This model's maximum context length is ${limit} tokens. However, your ${prompt.kind} resulted in ${promptLength} tokens. Please reduce the length of the ${prompt.kind}.`;
      throw invalidRequest(message, prompt.kind, 'context_length_exceeded');
    }
    return Math.min(deployment.defaults.maxTokens ?? Number.POSITIVE_INFINITY, limit - promptLength);
  }
  if (promptLength + prompt.maxTokens > limit) {
    const parts = startToken ? `1, the start token an empty ${prompt.kind} begins from; ${prompt.maxTokens} for the completion` : prompt.kind === 'messages' ? `${promptLength} in the messages, ${prompt.maxTokens} in the completion` : `${promptLength} in your prompt; ${prompt.maxTokens} for the completion`;
    const message = `This model's maximum context length is ${limit} tokens. However, you requested ${promptLength + prompt.maxTokens} tokens (${parts}). Please reduce the length of the ${prompt.kind} or completion.`;
    throw invalidRequest(message, prompt.kind, 'context_length_exceeded');
  }
  return prompt.maxTokens;
}

/** Each prompt's tokens: a string or a list of numbers is one prompt; a list of strings or of token lists is several. */
function promptTokensOf(prompt: CompletionRequest['prompt'], deployment: Deployment): number[][] {
  const prompts = typeof prompt === 'string' || typeof prompt[0] === 'number' ? [prompt as string | number[]] : (prompt as string[] | number[][]);
  return prompts.map((one, index) => {
    if (typeof one === 'string') return deployment.generator.tokenize(one);
    const bad = one.find((id) => id >= deployment.generator.vocabularySize);
    if (bad !== undefined) {
      const where = prompts.length > 1 ? `prompt[${index}]` : 'prompt';
      throw invalidRequest(`Invalid token id ${bad} in '${where}': the model's vocabulary has ${deployment.generator.vocabularySize} tokens (ids 0–${deployment.generator.vocabularySize - 1}).`, where);
    }
    return one;
  });
}

function logitBiasOf(bias: Record<string, number> | null | undefined, vocabularySize: number): Map<number, number> {
  const result = new Map<number, number>();
  for (const [key, value] of Object.entries(bias ?? {})) {
    const tokenId = Number(key);
    if (tokenId >= vocabularySize) {
      throw invalidRequest(`Invalid key in 'logit_bias': token id ${tokenId} is outside the model's vocabulary of ${vocabularySize} tokens.`, 'logit_bias');
    }
    result.set(tokenId, value);
  }
  return result;
}

function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return (typeof stop === 'string' ? [stop] : stop).filter((sequence) => sequence.length > 0);
}
