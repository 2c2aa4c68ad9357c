// Ollama's Modelfile for an exported GGUF: FROM the file beside it, a TEMPLATE, the end-of-text stop, the context
// length (Ollama silently truncates prompts at num_ctx, so it must be the model's) and Crucible's sampling defaults.
//
// TEMPLATE is a Go template over .Messages. A model with a Jinja chat_template gets it converted: the template is
// rendered for probe conversations to find the text around each role's content, the Go template is rebuilt from
// those pieces, and the conversion is kept only if it reproduces the Jinja rendering for every probe. Otherwise, and
// for base models without a chat template, the template is a plain completion: the prompt as it is.

import type * as Jinja from '@huggingface/jinja';
import { lazyRequire } from '../../../lazy-require.ts';

const jinja = lazyRequire<typeof Jinja>('@huggingface/jinja');

export const MODELFILE = 'Modelfile';
export const COMPLETION_TEMPLATE = '{{ .Prompt }}';

export interface ModelfileInput {
  /** The model's name in Ollama. */
  name: string;
  /** The GGUF's file name, in the same folder as the Modelfile. */
  ggufFile: string;
  contextLength: number;
  chatTemplate: string | null;
  /** The end-of-text token's text (the stop). */
  endOfText: string;
  bos: string;
  temperature: number;
  topK: number;
}

export interface OllamaModelfile {
  text: string;
  /** Why a chat template was not converted, or null. */
  templateNote: string | null;
}

export function ollamaModelfile(input: ModelfileInput): OllamaModelfile {
  const converted = input.chatTemplate === null ? null : goTemplateFromJinja(input.chatTemplate, { bos: input.bos, eos: input.endOfText });
  const template = converted?.template ?? COMPLETION_TEMPLATE;
  const templateNote =
    input.chatTemplate !== null && converted === null ? 'the chat template could not be converted to an Ollama template faithfully, so Ollama gets a plain completion template'
    : converted?.refusesSystem ? 'the chat template refuses system messages (it raises on one); an Ollama template cannot refuse, so Ollama leaves them out of the prompt' : null;
  const lines = [
    `# ollama create ${input.name} -f ${MODELFILE}`,
    `FROM ./${input.ggufFile}`,
    `TEMPLATE """${template}"""`,
    // An empty stop string would match at once (Ollama stops where any stop string is found): none rather than that.
    ...(input.endOfText === '' ? [] : [`PARAMETER stop ${JSON.stringify(input.endOfText)}`]),
    `PARAMETER num_ctx ${input.contextLength}`,
    `PARAMETER temperature ${input.temperature}`,
    `PARAMETER top_k ${input.topK}`,
    // Crucible samples with top_p 1 and no repetition penalty; Ollama's defaults (0.9, 1.1) would change the text.
    'PARAMETER top_p 1',
    'PARAMETER repeat_penalty 1',
  ];
  return { text: `${lines.join('\n')}\n`, templateNote };
}

interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

type Role = Message['role'];

const marker = (name: string) => `\u0001${name}\u0001`;

export interface GoTemplate {
  template: string;
  /** The Jinja template raises on a system message; the Go template has no branch for one, so Ollama drops it. */
  refusesSystem: boolean;
}

/** The Jinja chat template as a Go template for Ollama, or null when it is not a plain per-role wrapper. */
export function goTemplateFromJinja(source: string, tokens: { bos: string; eos: string }): GoTemplate | null {
  let template: Jinja.Template;
  try {
    template = new (jinja().Template)(source);
  } catch {
    return null;
  }
  const render = (messages: Message[], addGenerationPrompt: boolean): string | null => {
    try {
      return template.render({ messages, add_generation_prompt: addGenerationPrompt, bos_token: tokens.bos, eos_token: tokens.eos });
    } catch {
      return null;
    }
  };
  const [S, U, U2, A] = ['S', 'U', 'U2', 'A'].map(marker) as [string, string, string, string];
  const one = render([{ role: 'user', content: U }], false);
  const withPrompt = render([{ role: 'user', content: U }], true);
  const reply = render([{ role: 'user', content: U }, { role: 'assistant', content: A }], false);
  const turns = render([{ role: 'user', content: U }, { role: 'assistant', content: A }, { role: 'user', content: U2 }], false);
  if (one === null || withPrompt === null || reply === null || turns === null || !withPrompt.startsWith(one) || !reply.startsWith(one.slice(0, one.indexOf(U)))) return null;
  const userAfter = after(one, U);
  const assistantAfter = after(reply, A);
  const betweenTurns = between(turns, A, U2);
  if (userAfter === null || assistantAfter === null || betweenTurns === null || !betweenTurns.startsWith(assistantAfter)) return null;
  const userBefore = betweenTurns.slice(assistantAfter.length);
  const beforeFirst = one.slice(0, one.indexOf(U));
  if (!beforeFirst.endsWith(userBefore)) return null;
  const prefix = beforeFirst.slice(0, beforeFirst.length - userBefore.length);
  const assistantGap = between(reply, U, A);
  if (assistantGap === null || !assistantGap.startsWith(userAfter)) return null;
  const wrappers: Partial<Record<Role, [string, string]>> = { user: [userBefore, userAfter], assistant: [assistantGap.slice(userAfter.length), assistantAfter] };
  const system = render([{ role: 'system', content: S }, { role: 'user', content: U }], false);
  const systemAfterUser = system === null ? null : between(system, S, U);
  if (system !== null) {
    // The template takes system messages: they need a wrapper of their own, or the conversion would be wrong for them.
    if (!system.startsWith(prefix) || systemAfterUser === null || !systemAfterUser.endsWith(userBefore)) return null;
    wrappers.system = [system.slice(prefix.length, system.indexOf(S)), systemAfterUser.slice(0, systemAfterUser.length - userBefore.length)];
  }
  const generationPrompt = withPrompt.slice(one.length);
  const pieces = [prefix, generationPrompt, ...Object.values(wrappers).flat()];
  if (pieces.some((piece) => piece.includes('{{') || piece.includes('"""') || piece.includes('\u0001'))) return null;

  // Contents with whitespace around them too: a template that trims them (`| trim`, `.strip()`) has no Go form.
  const probes: Message[][] = [
    [{ role: 'user', content: 'Hello there.' }],
    [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Tell me more.' }],
    [{ role: 'user', content: '  Write a poem.\n\n' }, { role: 'assistant', content: '\n Roses. ' }, { role: 'user', content: '\tAgain ' }],
    ...(wrappers.system ? [[{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hey.' }, { role: 'user' as const, content: 'Why?' }]] : []),
  ];
  const rebuilt = (messages: Message[]) => prefix + messages.map((message) => `${wrappers[message.role]![0]}${message.content}${wrappers[message.role]![1]}`).join('') + generationPrompt;
  if (!probes.every((messages) => render(messages, true) === rebuilt(messages))) return null;

  const branches = (Object.entries(wrappers) as [Role, [string, string]][]).map(([role, [before, afterText]], index) => `{{ ${index === 0 ? 'if' : 'else if'} eq .Role "${role}" }}${before}{{ .Content }}${afterText}`);
  return { template: `${prefix}{{ range .Messages }}${branches.join('')}{{ end }}{{ end }}${generationPrompt}`, refusesSystem: system === null };
}

function after(text: string, mark: string): string | null {
  const at = text.indexOf(mark);
  return at < 0 ? null : text.slice(at + mark.length);
}

function between(text: string, start: string, end: string): string | null {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from < 0 || to < from ? null : text.slice(from + start.length, to);
}
