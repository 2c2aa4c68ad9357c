// Turns one chat record (a JSON object, or a parquet row as an object) into a conversation document: the canonical
// JSON {"messages":[...]} (engine/tokenize/chat/conversation.ts). Accepts OpenAI's `messages` (content a string or a
// list of {type: "text", text} parts; role "developer" is read as "system") and Alpaca's instruction / input / output
// with an optional system. Each content is cleaned (BOM, newlines, NFC) before serializing, so the JSON stays valid.
import { conversationDocument, type ChatRole, type ChatTurn } from '../../tokenize/chat/conversation.ts';
import { cleanDocumentText, type UnicodeNormalization } from '../text-cleaning.ts';

/** A record that is not a usable conversation; the dataset counts them and fails with the first (chat-problems.ts). */
export class ChatRecordError extends Error {}

const ROLE_NAMES: Record<string, ChatRole> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

/** `where` reads like `"chat.jsonl" line 12`; it starts every message. */
export function chatRecordDocument(record: unknown, where: string, normalization: UnicodeNormalization): string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new ChatRecordError(`${where}: expected a chat record (an object with "messages", or "instruction" and "output"), found ${describe(record)}`);
  }
  const fields = record as Record<string, unknown>;
  const turns = fields.messages !== undefined ? messagesOf(fields.messages, where) : alpacaTurns(fields, where);
  if (turns.length === 0) throw new ChatRecordError(`${where}: the conversation is empty; give it at least a user and an assistant message`);
  if (!turns.some((turn) => turn.role === 'assistant')) {
    throw new ChatRecordError(`${where}: the conversation has no assistant message, so there is nothing to train on; add the assistant's reply or remove the record`);
  }
  return conversationDocument(turns.map((turn) => ({ role: turn.role, content: cleanDocumentText(turn.content, normalization) })));
}

function messagesOf(value: unknown, where: string): ChatTurn[] {
  if (!Array.isArray(value)) throw new ChatRecordError(`${where}: "messages" is ${describe(value)}, not a list of {role, content}`);
  return value.map((message: unknown, index) => {
    const at = `${where} message ${index + 1}`;
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new ChatRecordError(`${at}: expected {role, content}, found ${describe(message)}`);
    const { role, content } = message as Record<string, unknown>;
    const known = typeof role === 'string' ? ROLE_NAMES[role] : undefined;
    if (known === undefined) {
      throw new ChatRecordError(`${at}: unknown role ${JSON.stringify(role ?? null)}; use "system", "user" or "assistant" ("developer" is read as "system"; tool and function messages are not supported)`);
    }
    return { role: known, content: contentText(content, at) };
  });
}

/** A string, or OpenAI's list of content parts of which only {type: "text", text} ones are accepted. */
function contentText(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, index) => {
        const { type, text } = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
        if (type === 'text' && typeof text === 'string') return text;
        throw new ChatRecordError(`${at}: content part ${index + 1} is not {type: "text", text: string} (only text parts are supported)`);
      })
      .join('');
  }
  throw new ChatRecordError(`${at}: content is ${describe(content)}, not a string or a list of text parts`);
}

function alpacaTurns(fields: Record<string, unknown>, where: string): ChatTurn[] {
  if (fields.instruction === undefined || fields.output === undefined) {
    const names = Object.keys(fields).slice(0, 20).map((name) => `"${name}"`).join(', ') || 'none';
    throw new ChatRecordError(`${where}: neither "messages" nor "instruction" and "output" (its fields: ${names}); write OpenAI-style {"messages": [...]} or Alpaca-style {"instruction", "input", "output"} records`);
  }
  const text = (name: string): string => {
    const value = fields[name];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw new ChatRecordError(`${where}: "${name}" is ${describe(value)}, not a string`);
    return value;
  };
  const [system, instruction, input, output] = [text('system'), text('instruction'), text('input'), text('output')];
  const turns: ChatTurn[] = system === '' ? [] : [{ role: 'system', content: system }];
  turns.push({ role: 'user', content: input === '' ? instruction : `${instruction}\n\n${input}` });
  turns.push({ role: 'assistant', content: output });
  return turns;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
