// Token counts for requests served by an upstream: what the upstream reports in `usage`, or, when it reports
// nothing, a count made here — with the model's tokenizer when the gateway has one (a local deployment of the same
// name), else about four bytes of UTF-8 per token. Either way such a count is marked estimated.
import type { EndpointKind } from '../response-shapes.ts';
import type { Deployment } from '../deployment.ts';

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** The counts in a response or stream chunk's `usage`, or null when it carries none. */
export function reportedUsage(value: Record<string, unknown>): TokenCounts | null {
  const usage = value.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!usage || typeof usage !== 'object') return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage;
  if (!isCount(prompt) || !isCount(completion)) return null;
  return { promptTokens: prompt, completionTokens: completion };
}

/** The text a whole response or one stream chunk adds to the completion (first choice). */
export function completionTextOf(kind: EndpointKind, value: Record<string, unknown>): string {
  const choice = (value.choices as unknown[] | undefined)?.[0] as Record<string, unknown> | undefined;
  if (!choice) return '';
  if (kind === 'completion') return typeof choice.text === 'string' ? choice.text : '';
  const part = (choice.delta ?? choice.message) as { content?: unknown } | undefined;
  return typeof part?.content === 'string' ? part.content : '';
}

export class TokenCounter {
  /** `deployment`: a local deployment of the same model, whose tokenizer and chat template count exactly. */
  constructor(private readonly deployment: Deployment | null) {}

  get exact(): boolean {
    return this.deployment !== null;
  }

  countText(text: string): number {
    if (text.length === 0) return 0;
    if (this.deployment) return this.deployment.generator.tokenize(text).length;
    return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
  }

  /** The prompt's tokens as the request body gives it: chat messages through the chat template, or the prompt. */
  countPrompt(kind: EndpointKind, body: Record<string, unknown>): number {
    if (kind === 'completion') return this.#countCompletionPrompt(body.prompt);
    const messages = Array.isArray(body.messages) ? body.messages : [];
    if (this.deployment) {
      try {
        return this.deployment.generator.tokenize(this.deployment.chat.render(messages as never)).length;
      } catch {
        // A message shape our template cannot render (tools, images): count its text instead.
      }
    }
    return this.countText(messages.map(messageText).join('\n'));
  }

  #countCompletionPrompt(prompt: unknown): number {
    if (typeof prompt === 'string') return this.countText(prompt);
    if (!Array.isArray(prompt)) return 0;
    if (prompt.every((item) => typeof item === 'number')) return prompt.length;
    return prompt.reduce<number>((sum, item) => sum + (typeof item === 'string' ? this.countText(item) : Array.isArray(item) ? item.length : 0), 0);
  }
}

function messageText(message: unknown): string {
  const content = (message as { content?: unknown } | null)?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => {
    const text = (part as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : '';
  }).join('');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e12;
}
