import { describe, expect, it } from 'vitest';
import { COMPLETION_TEMPLATE, goTemplateFromJinja, ollamaModelfile } from './ollama-modelfile.ts';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const base = { name: 'bard', ggufFile: 'bard-Q8_0.gguf', contextLength: 256, endOfText: '<|endoftext|>', bos: '<|endoftext|>', temperature: 0.8, topK: 200 };

describe('ollamaModelfile', () => {
  it('points FROM at the GGUF beside it, stops at end of text and sets num_ctx to the context and the sampling defaults', () => {
    const { text, templateNote } = ollamaModelfile({ ...base, chatTemplate: null });
    expect(text.split('\n')).toEqual([
      '# ollama create bard -f Modelfile',
      'FROM ./bard-Q8_0.gguf',
      `TEMPLATE """${COMPLETION_TEMPLATE}"""`,
      'PARAMETER stop "<|endoftext|>"',
      'PARAMETER num_ctx 256',
      'PARAMETER temperature 0.8',
      'PARAMETER top_k 200',
      'PARAMETER top_p 1',
      'PARAMETER repeat_penalty 1',
      '',
    ]);
    expect(templateNote).toBeNull();
  });

  it('converts a ChatML chat template into a Go template over .Messages', () => {
    const { text } = ollamaModelfile({ ...base, chatTemplate: CHATML });
    const user = '{{ if eq .Role "user" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n';
    const assistant = '{{ else if eq .Role "assistant" }}<|im_start|>assistant\n{{ .Content }}<|im_end|>\n';
    const system = '{{ else if eq .Role "system" }}<|im_start|>system\n{{ .Content }}<|im_end|>\n';
    expect(text).toContain(`TEMPLATE """{{ range .Messages }}${user}${assistant}${system}{{ end }}{{ end }}<|im_start|>assistant\n"""`);
  });

  it('keeps a template whose text comes before the first message once, outside the loop', () => {
    const template = '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}';
    expect(goTemplateFromJinja(template, { bos: '<s>', eos: '</s>' })).toEqual({
      template: '<s>{{ range .Messages }}{{ if eq .Role "user" }}[user] {{ .Content }}\n{{ else if eq .Role "assistant" }}[assistant] {{ .Content }}\n{{ else if eq .Role "system" }}[system] {{ .Content }}\n{{ end }}{{ end }}[assistant] ',
      refusesSystem: false,
    });
  });

  it('falls back to a completion template, and says so, when the chat template is not a plain wrapper per role', () => {
    const merged = "{% for m in messages %}{% if loop.first and m.role == 'user' %}FIRST {% endif %}{{ m.content }} {% endfor %}";
    const { text, templateNote } = ollamaModelfile({ ...base, chatTemplate: merged });
    expect(text).toContain(`TEMPLATE """${COMPLETION_TEMPLATE}"""`);
    expect(templateNote).toMatch(/could not be converted/);
    expect(goTemplateFromJinja('{% for %}', { bos: '', eos: '' })).toBeNull();
  });

  it('does not convert a template that trims message contents: Ollama would send them untrimmed', () => {
    const trimming = "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content | trim }}</s>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
    expect(goTemplateFromJinja(trimming, { bos: '', eos: '</s>' })).toBeNull();
    expect(goTemplateFromJinja(trimming.replace(' | trim', ''), { bos: '', eos: '</s>' })).not.toBeNull();
  });

  it('says when the template refuses system messages, which Ollama then leaves out', () => {
    const noSystem =
      "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
      "<start_of_turn>{{ 'model' if m.role == 'assistant' else m.role }}\n{{ m.content }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";
    const { text, templateNote } = ollamaModelfile({ ...base, chatTemplate: noSystem });
    expect(text).toContain('{{ if eq .Role "user" }}<start_of_turn>user\n{{ .Content }}<end_of_turn>\n');
    expect(text).not.toContain('eq .Role "system"');
    expect(templateNote).toMatch(/refuses system messages .* Ollama leaves them out/);
  });
});
