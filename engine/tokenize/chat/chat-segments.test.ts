import { describe, expect, it } from 'vitest';
import { chatSegments } from './chat-segments.ts';
import { chatTemplateOf, compileChatTemplate } from './chat-template.ts';
import type { ChatTurn } from './conversation.ts';
import { DEFAULT_SFT_CHAT_TEMPLATE } from './default-template.ts';

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const chat: ChatTurn[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'Bye' },
  { role: 'assistant', content: 'See you.' },
];

describe('chatSegments', () => {
  it('cuts the default template into context and assistant spans, eos and newline included', () => {
    const segments = chatSegments(compileChatTemplate(DEFAULT_SFT_CHAT_TEMPLATE, { eos: '<eos>' }), chat, 'c');
    expect(segments).toEqual([
      { text: 'System: Be brief.\nUser: Hi\nAssistant:', trained: false },
      { text: ' Hello!<eos>\n', trained: true },
      { text: 'User: Bye\nAssistant:', trained: false },
      { text: ' See you.<eos>\n', trained: true },
    ]);
  });

  it('with ChatML the span runs to the next turn start, and a trailing user turn is context', () => {
    const segments = chatSegments(compileChatTemplate(CHATML), [...chat.slice(1, 3), { role: 'user', content: 'More?' }], 'c');
    expect(segments).toEqual([
      { text: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', trained: false },
      { text: 'Hello!<|im_end|>\n', trained: true },
      { text: '<|im_start|>user\nMore?<|im_end|>\n', trained: false },
    ]);
  });

  it('refuses a template that renders earlier turns differently once more follow, naming the conversation', () => {
    // Drops every assistant turn but the last one: the render through turn 3 is not a prefix of the later prompt.
    const rewriting =
      "{% for message in messages %}{% if message.role != 'assistant' or loop.last %}{{ message.role + ': ' + message.content + '\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
    expect(() => chatSegments(compileChatTemplate(rewriting), chat, 'train document 7')).toThrow(/train document 7: the chat template is not prefix-consistent/);
  });

  it('names the conversation when the template raises', () => {
    const strict = "{% if messages[0].role != 'user' %}{{ raise_exception('first message must be the user') }}{% endif %}{{ messages[0].content }}";
    expect(() => chatSegments(compileChatTemplate(strict), chat, 'val document 2')).toThrow(/val document 2: the chat template failed .*first message must be the user/);
  });
});

describe('chatTemplateOf', () => {
  it('takes a string, or the "default" of a named list, and refuses a list without one', () => {
    expect(chatTemplateOf({ chat_template: 'x' })).toBe('x');
    expect(chatTemplateOf({ chat_template: '  ' })).toBeNull();
    expect(chatTemplateOf({})).toBeNull();
    expect(chatTemplateOf({ chat_template: [{ name: 'tool_use', template: 't' }, { name: 'default', template: 'd' }] })).toBe('d');
    expect(() => chatTemplateOf({ chat_template: [{ name: 'tool_use', template: 't' }] }, 'cfg.json')).toThrow(/cfg.json: .*"default".*tool_use/);
  });
});
