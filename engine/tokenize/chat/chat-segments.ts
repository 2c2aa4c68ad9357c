// Cuts a rendered conversation into context and trained (assistant) segments. For each assistant turn, the template
// renders the turns before it with the generation prompt and the conversation through that turn; what the second adds
// to the first is the assistant's span (its content and the end-of-turn text the template writes after it, up to the
// next turn's start). A template whose renders are not prefix-consistent cannot be masked exactly and is refused.
import type { ChatTemplateRenderer } from './chat-template.ts';
import type { ChatTurn } from './conversation.ts';

export interface ChatSegment {
  text: string;
  /** True for an assistant span: its tokens are training targets (loss mask 1). */
  trained: boolean;
}

/** `where` names the conversation in errors (e.g. `train document 3 ("How do I…")`). */
export function chatSegments(renderer: ChatTemplateRenderer, messages: readonly ChatTurn[], where: string): ChatSegment[] {
  const render = (count: number, addGenerationPrompt: boolean): string => {
    try {
      return renderer.render(messages.slice(0, count), addGenerationPrompt);
    } catch (error) {
      throw new Error(`${where}: the chat template failed on the first ${count} message(s): ${(error as Error).message}`);
    }
  };
  const segments: ChatSegment[] = [];
  let rendered = '';
  const extend = (next: string, trained: boolean, what: string): void => {
    if (!next.startsWith(rendered)) throw notPrefixConsistent(where, what, rendered, next);
    if (next.length > rendered.length) segments.push({ text: next.slice(rendered.length), trained });
    rendered = next;
  };
  let assistantTurns = 0;
  messages.forEach((message, index) => {
    if (message.role !== 'assistant') return;
    assistantTurns++;
    extend(render(index, true), false, `the prompt before message ${index + 1}`);
    const before = rendered.length;
    extend(render(index + 1, false), true, `the conversation through message ${index + 1} (assistant)`);
    if (rendered.length === before) throw new Error(`${where}: the chat template renders nothing for message ${index + 1} (assistant), so there is nothing to train; check the template`);
  });
  if (assistantTurns === 0) throw new Error(`${where}: the conversation has no assistant message, so there is nothing to train; re-run the dataset node`);
  if (messages[messages.length - 1]!.role !== 'assistant') extend(render(messages.length, false), false, 'the whole conversation');
  return segments;
}

function notPrefixConsistent(where: string, what: string, earlier: string, later: string): Error {
  let same = 0;
  while (same < earlier.length && earlier[same] === later[same]) same++;
  const quote = (text: string): string => JSON.stringify(text.slice(same, same + 40));
  return new Error(
    `${where}: the chat template is not prefix-consistent: ${what} does not start with what was rendered before it ` +
      `(they differ at character ${same}: ${quote(earlier)} vs ${quote(later)}), so assistant tokens cannot be masked exactly. ` +
      'Templates that rewrite earlier turns (e.g. drop past reasoning) cannot be used for SFT; use a template that renders each turn the same way whatever follows it',
  );
}
