// OpenAI's response objects for chat completions and text completions, whole and as stream chunks, including
// logprobs in each endpoint's own format. Only shapes: no I/O.
import type { OutputToken } from './generation-output.ts';
import type { LogprobToken } from '../inference/logprob-token.ts';
import type { FinishReason, TokenAlternative } from '../inference/text-generator.ts';

/** A token as completions' logprobs list it; an echoed prompt's first token has null logprob and alternatives. */
export interface LoggedToken {
  text: string;
  /** Where the token's text starts in the choice's text. */
  textOffset: number;
  logprob?: number | null;
  topLogprobs?: TokenAlternative[] | null;
  /** The token on its own as logprobs show it (else `text`). */
  asLogprob?: LogprobToken;
}

/** One choice of a text completion: several prompts give several, in prompt order. */
export interface CompletionChoice {
  text: string;
  finishReason: FinishReason;
  tokens: LoggedToken[] | null;
}

export type EndpointKind = 'chat' | 'completion';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function fullResponse(kind: EndpointKind, identity: ResponseIdentity, output: { text: string; finishReason: FinishReason; tokens: OutputToken[] | null }, usage: Usage) {
  if (kind === 'chat') {
    return {
      ...identity,
      object: 'chat.completion',
      system_fingerprint: null,
      choices: [{ index: 0, message: { role: 'assistant', content: output.text, refusal: null }, logprobs: chatLogprobs(output.tokens), finish_reason: output.finishReason }],
      usage,
    };
  }
  return completionResponse(identity, [output], usage);
}

export function completionResponse(identity: ResponseIdentity, choices: readonly CompletionChoice[], usage: Usage) {
  return {
    ...identity,
    object: 'text_completion',
    system_fingerprint: null,
    choices: choices.map((choice, index) => ({ text: choice.text, index, logprobs: completionLogprobs(choice.tokens), finish_reason: choice.finishReason })),
    usage,
  };
}

export interface ChunkContent {
  /** Only the chat stream's first chunk has a role. */
  role?: 'assistant';
  text?: string;
  tokens?: OutputToken[] | null;
  finishReason?: FinishReason | null;
}

/** One stream chunk; `withUsageField` puts `usage: null` on it, as `stream_options.include_usage` asks. */
export function chunk(kind: EndpointKind, identity: ResponseIdentity, content: ChunkContent, withUsageField: boolean) {
  const usage = withUsageField ? { usage: null } : {};
  const finish_reason = content.finishReason ?? null;
  if (kind === 'chat') {
    const delta: Record<string, unknown> = {};
    if (content.role) Object.assign(delta, { role: content.role, content: '', refusal: null });
    if (content.text) delta.content = content.text;
    const choice = { index: 0, delta, logprobs: chatLogprobs(content.tokens ?? null), finish_reason };
    return { ...identity, object: 'chat.completion.chunk', system_fingerprint: null, choices: [choice], ...usage };
  }
  const choice = { text: content.text ?? '', index: 0, logprobs: completionLogprobs(content.tokens ?? null), finish_reason };
  return { ...identity, object: 'text_completion', system_fingerprint: null, choices: [choice], ...usage };
}

/** The extra chunk before [DONE] that carries the usage. */
export function usageChunk(kind: EndpointKind, identity: ResponseIdentity, usage: Usage) {
  return { ...identity, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', system_fingerprint: null, choices: [], usage };
}

function chatLogprobs(tokens: OutputToken[] | null) {
  if (!tokens) return null;
  const bytesOf = (text: string) => [...Buffer.from(text, 'utf8')];
  return {
    content: tokens.map((token) => ({
      token: token.asLogprob?.token ?? token.text,
      logprob: token.logprob ?? 0,
      bytes: token.asLogprob?.bytes ?? bytesOf(token.text),
      top_logprobs: (token.topLogprobs ?? []).map((alt) => ({ token: alt.text, logprob: alt.logprob, bytes: alt.bytes ?? bytesOf(alt.text) })),
    })),
    refusal: null,
  };
}

function completionLogprobs(tokens: LoggedToken[] | null) {
  if (!tokens) return null;
  return {
    tokens: tokens.map((token) => token.asLogprob?.token ?? token.text),
    token_logprobs: tokens.map((token) => (token.logprob === null ? null : (token.logprob ?? 0))),
    top_logprobs: tokens.map((token) => (token.topLogprobs === null ? null : likeliestByText(token.topLogprobs ?? []))),
    text_offset: tokens.map((token) => token.textOffset),
  };
}

/** The alternatives as text → logprob; where two tokens show the same text, the likelier one's (they come likeliest first). */
function likeliestByText(alternatives: readonly TokenAlternative[]): Record<string, number> {
  const byText = new Map<string, number>();
  for (const alt of alternatives) if (!byText.has(alt.text)) byText.set(alt.text, alt.logprob);
  return Object.fromEntries(byText); // own properties, even for a token spelled "__proto__"
}
