// The ChatFormat of a tokenizer (nodes/capabilities/tokenizer.ts): its tokenizer_config.json chat_template, or
// DEFAULT_SFT_CHAT_TEMPLATE written into a copy of that config, so the fine-tuned model is served with the format it
// was trained on; bos/eos from the config's special tokens, else the tokenizer's first special token.
import type { ChatFormat, TokenizerHandle } from '../../../nodes/capabilities/tokenizer.ts';
import { DEFAULT_SFT_CHAT_TEMPLATE, chatTemplateOf, compileChatTemplate, specialTokenOf } from '../../tokenize/chat/index.ts';

export function chatFormatOf(tokenizer: TokenizerHandle): ChatFormat {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(tokenizer.tokenizerConfigJsonText) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`the tokenizer's tokenizer_config.json is not valid JSON (${(error as Error).message})`);
  }
  const own = chatTemplateOf(config);
  const template = own ?? DEFAULT_SFT_CHAT_TEMPLATE;
  try {
    compileChatTemplate(template);
  } catch (error) {
    throw new Error(`the tokenizer's chat_template does not parse as Jinja (${(error as Error).message}); fix tokenizer_config.json's chat_template or remove it to use the default`);
  }
  const fallback = tokenizer.addedTokens.find((token) => token.special)?.content ?? '';
  const eosToken = specialTokenOf(config, 'eos_token') ?? fallback;
  if (own === null && eosToken === '') {
    // The default template ends each assistant turn with eos_token: without one the model never learns where a reply
    // ends, and serves until its length runs out.
    throw new Error(
      'the tokenizer has no end-of-text token (no eos_token in tokenizer_config.json, no special token), and the default chat template ends each assistant turn with one; ' +
        'train the tokenizer with a special token (the tokenizer node\'s default specialTokens: ["<|endoftext|>"]), or give the tokenizer a chat_template that marks where replies end',
    );
  }
  return {
    template,
    source: own === null ? 'default' : 'tokenizer',
    bosToken: specialTokenOf(config, 'bos_token') ?? fallback,
    eosToken,
    tokenizerConfigJsonText: own === null ? `${JSON.stringify({ ...config, chat_template: template }, null, 2)}\n` : tokenizer.tokenizerConfigJsonText,
  };
}
