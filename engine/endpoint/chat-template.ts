// Turns chat messages into one prompt string: the tokenizer's Jinja `chat_template` when it has one (rendered by
// engine/tokenize/chat, as transformers does and as SFT encodes), else DEFAULT_CHAT_TEMPLATE, a plain transcript a
// base model can continue.
import { compileChatTemplate } from '../tokenize/chat/chat-template.ts';
import { invalidRequest } from './openai-error.ts';
import type { ChatMessage } from './request-schemas.ts';

/**
 * For base models trained on raw text: one "Role: content" line per message, then "Assistant:". Documented in
 * engine/endpoint/README.md; DEFAULT_CHAT_STOP keeps the model from writing the user's next turn.
 */
export const DEFAULT_CHAT_TEMPLATE =
  '{%- for message in messages %}{{ message.role | capitalize }}: {{ message.content }}{{ "\\n" }}{% endfor -%}' +
  '{%- if add_generation_prompt %}Assistant:{% endif -%}';

/** Stop strings added (beyond the client's own) when the default template is used. */
export const DEFAULT_CHAT_STOP = ['\nUser:', '\nSystem:', '\nDeveloper:'];

export interface ChatFormatter {
  /** The prompt text for `messages`, ending where the assistant's reply should begin. */
  render(messages: ChatMessage[]): string;
  /** Stop strings the template implies. */
  readonly impliedStop: string[];
}

/** Parses the template once; a template that does not parse is the deployment's error, raised here. */
export function chatFormatterFor(options: { chatTemplate?: string; specialTokens?: { bos?: string; eos?: string } }): ChatFormatter {
  const usesDefault = options.chatTemplate === undefined || options.chatTemplate.trim() === '';
  const source = usesDefault ? DEFAULT_CHAT_TEMPLATE : options.chatTemplate!;
  let template: ReturnType<typeof compileChatTemplate>;
  try {
    template = compileChatTemplate(source, options.specialTokens);
  } catch (error) {
    throw new Error(`the model's chat_template in tokenizer_config.json does not parse (${(error as Error).message}); fix or remove the field`);
  }
  return {
    impliedStop: usesDefault ? DEFAULT_CHAT_STOP : [],
    render(messages) {
      const plain = messages.map((message) => ({ role: message.role, content: textOf(message.content), ...(message.name ? { name: message.name } : {}) }));
      try {
        return template.render(plain, true);
      } catch (error) {
        // Templates raise for conversations they do not accept (e.g. roles out of order); that is the caller's to fix.
        throw invalidRequest(`The model's chat template rejected these messages: ${(error as Error).message}`, 'messages');
      }
    },
  };
}

function textOf(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('');
}
