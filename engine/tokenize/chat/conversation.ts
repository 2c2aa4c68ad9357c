// A chat corpus's document: the canonical JSON `{"messages":[{"role":..,"content":..},...]}` the dataset node writes
// for each conversation (nodes/dataset/README.md). Parsing it back for rendering, with errors naming the document.

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface ChatTurn {
  role: ChatRole;
  content: string;
}

/** The document text for a conversation: exactly this key order and no whitespace, so equal chats dedupe. */
export function conversationDocument(messages: readonly ChatTurn[]): string {
  return JSON.stringify({ messages: messages.map(({ role, content }) => ({ role, content })) });
}

/** `where` names the document in errors (e.g. `train document 3`). */
export function parseConversationDocument(text: string, where: string): ChatTurn[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not a chat conversation (${(error as Error).message}); the corpus's content is "chat" but this document is not its JSON — re-run the dataset node`);
  }
  const messages = (value as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new Error(`${where}: a chat document must be {"messages":[...]} with at least one message; re-run the dataset node`);
  return messages.map((message: unknown, index) => {
    const { role, content } = (message ?? {}) as Record<string, unknown>;
    if (!CHAT_ROLES.includes(role as ChatRole) || typeof content !== 'string') {
      throw new Error(`${where}: message ${index + 1} is not {role: system|user|assistant, content: string}; re-run the dataset node`);
    }
    return { role: role as ChatRole, content };
  });
}
