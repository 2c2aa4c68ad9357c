// Turns a validated OpenAI request into what the generator runs: prompt tokens (chat messages go through the chat
// template), sampling settings with the deployment's defaults, stop strings, and the context-length check.
import type { Deployment } from './deployment.ts';
import { invalidRequest } from './openai-error.ts';
import type { ChatCompletionRequest, CompletionRequest } from './request-schemas.ts';
import type { GenerationRequest } from '../inference/text-generator.ts';

export interface PreparedGeneration {
  request: GenerationRequest;
  /** Client stop strings plus any the chat template implies. */
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

type SharedFields = Omit<ChatCompletionRequest, 'messages' | 'logprobs' | 'top_logprobs' | 'response_format' | 'tools' | 'functions' | 'max_completion_tokens'>;

interface PromptSide {
  tokens: number[];
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
  return prepare(body, deployment, {
    tokens: deployment.generator.tokenize(text),
    kind: 'messages',
    impliedStop: deployment.chat.impliedStop,
    logprobs: body.logprobs === true,
    topLogprobs: body.top_logprobs ?? 0,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
  });
}

export function prepareCompletion(body: CompletionRequest, deployment: Deployment): PreparedGeneration {
  return prepare(body, deployment, {
    tokens: promptTokensOf(body.prompt, deployment),
    kind: 'prompt',
    impliedStop: [],
    logprobs: body.logprobs != null,
    topLogprobs: body.logprobs ?? 0,
    maxTokens: body.max_tokens,
  });
}

function prepare(body: SharedFields, deployment: Deployment, prompt: PromptSide): PreparedGeneration {
  checkCanStart(deployment, prompt);
  const { defaults } = deployment;
  return {
    request: {
      promptTokens: prompt.tokens,
      maxTokens: maxTokensWithin(deployment, prompt),
      temperature: body.temperature ?? defaults.temperature,
      topP: body.top_p ?? defaults.topP,
      topK: body.top_k == null ? defaults.topK : Math.max(0, body.top_k),
      ...(body.seed != null ? { seed: body.seed } : {}),
      frequencyPenalty: body.frequency_penalty ?? 0,
      presencePenalty: body.presence_penalty ?? 0,
      logitBias: logitBiasOf(body.logit_bias, deployment.generator.vocabularySize),
      logprobs: prompt.logprobs,
      topLogprobs: prompt.topLogprobs,
    },
    stop: [...stopList(body.stop), ...prompt.impliedStop],
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
  };
}

/**
 * An empty prompt starts from the model's beginning- or end-of-text token (GPT-2's BOS is its EOS); a model with
 * neither has nothing to condition on, and its runtime would fail the generation with a 500 the client retries.
 */
function checkCanStart(deployment: Deployment, prompt: PromptSide): void {
  if (prompt.tokens.length > 0) return;
  const special = deployment.generator.specialTokens;
  if (special?.bos !== undefined || special?.eos !== undefined) return;
  const what = prompt.kind === 'messages' ? 'the chat template rendered the messages to no tokens' : 'the prompt is empty';
  throw invalidRequest(`Invalid '${prompt.kind}': ${what} and model \`${deployment.model}\` has no beginning- or end-of-text token to start from; send at least one token of prompt.`, prompt.kind, 'empty_prompt');
}

/** The client's max_tokens must fit; left out, it is the default cut to what the context leaves. Never truncates. */
function maxTokensWithin(deployment: Deployment, prompt: PromptSide): number {
  const limit = deployment.contextLength;
  const promptLength = prompt.tokens.length;
  if (prompt.maxTokens == null) {
    if (promptLength >= limit) {
      const message = `This model's maximum context length is ${limit} tokens. However, your ${prompt.kind} resulted in ${promptLength} tokens. Please reduce the length of the ${prompt.kind}.`;
      throw invalidRequest(message, prompt.kind, 'context_length_exceeded');
    }
    return Math.min(deployment.defaults.maxTokens, limit - promptLength);
  }
  if (promptLength + prompt.maxTokens > limit) {
    const parts = prompt.kind === 'messages' ? `${promptLength} in the messages, ${prompt.maxTokens} in the completion` : `${promptLength} in your prompt; ${prompt.maxTokens} for the completion`;
    const message = `This model's maximum context length is ${limit} tokens. However, you requested ${promptLength + prompt.maxTokens} tokens (${parts}). Please reduce the length of the ${prompt.kind} or completion.`;
    throw invalidRequest(message, prompt.kind, 'context_length_exceeded');
  }
  return prompt.maxTokens;
}

function promptTokensOf(prompt: CompletionRequest['prompt'], deployment: Deployment): number[] {
  // A one-item list of strings or of token lists is one prompt; a list of numbers is already one.
  const single = Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] !== 'number' ? prompt[0]! : prompt;
  if (typeof single === 'string') return deployment.generator.tokenize(single);
  const tokens = single as number[];
  const bad = tokens.find((id) => id >= deployment.generator.vocabularySize);
  if (bad !== undefined) {
    throw invalidRequest(`Invalid token id ${bad} in 'prompt': the model's vocabulary has ${deployment.generator.vocabularySize} tokens (ids 0–${deployment.generator.vocabularySize - 1}).`, 'prompt');
  }
  return tokens;
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
