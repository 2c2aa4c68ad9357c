// A tokenizer's chat template: found in tokenizer_config.json (a string, or a list of named templates of which
// "default" is used) and rendered with @huggingface/jinja, as transformers does, with bos_token and eos_token from
// the tokenizer's special tokens. Shared by SFT encoding (chat-segments.ts) and the serving endpoint.
import type * as Jinja from '@huggingface/jinja';
import { lazyRequire } from '../../lazy-require.ts';

const jinja = lazyRequire<typeof Jinja>('@huggingface/jinja');

/** What a template sees of a message. */
export interface TemplateMessage {
  role: string;
  content: string;
  name?: string;
}

export interface ChatTemplateTokens {
  bos?: string;
  eos?: string;
}

export interface ChatTemplateRenderer {
  /** Throws what the template raises (e.g. roles out of order) or what Jinja fails on. */
  render(messages: readonly TemplateMessage[], addGenerationPrompt: boolean): string;
}

/** Parses the template once. A template that does not parse throws here. */
export function compileChatTemplate(source: string, tokens: ChatTemplateTokens = {}): ChatTemplateRenderer {
  const template = new (jinja().Template)(source);
  return {
    render: (messages, addGenerationPrompt) =>
      template.render({ messages, add_generation_prompt: addGenerationPrompt, bos_token: tokens.bos ?? '', eos_token: tokens.eos ?? '' }),
  };
}

/**
 * The template tokenizer_config.json holds: `chat_template` as a string, or a list of `{ name, template }` from which
 * the one named "default" is taken. Null when there is none (absent, null or blank); `source` names the file in errors.
 */
export function chatTemplateOf(config: Record<string, unknown>, source = 'tokenizer_config.json'): string | null {
  const value = config.chat_template;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  const problem = `${source}: chat_template must be a Jinja template string or a list of {"name", "template"} objects`;
  if (!Array.isArray(value)) throw new Error(`${problem}, found ${typeof value}; fix or remove the field`);
  const named = value.map((entry: unknown, index) => {
    const { name, template } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof template !== 'string') throw new Error(`${problem}; entry ${index} is not one — fix or remove the field`);
    return { name, template };
  });
  const chosen = named.find((entry) => entry.name === 'default');
  if (chosen) return chosen.template;
  throw new Error(`${source}: chat_template is a list without a template named "default" (it has ${JSON.stringify(named.map((entry) => entry.name))}); name the one to use "default"`);
}

/** bos_token / eos_token of tokenizer_config.json, written as strings or as AddedToken objects ({ content }). */
export function specialTokenOf(config: Record<string, unknown>, field: 'bos_token' | 'eos_token'): string | undefined {
  const value = config[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}
