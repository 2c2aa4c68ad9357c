// Chat fine-tuning's side of the tokenizer core: conversation documents, chat templates (the tokenizer's or
// DEFAULT_SFT_CHAT_TEMPLATE), segmenting renders into context and assistant spans, and encoding with a loss mask.
export { DEFAULT_SFT_CHAT_TEMPLATE } from './default-template.ts';
export { CHAT_ROLES, conversationDocument, parseConversationDocument } from './conversation.ts';
export type { ChatRole, ChatTurn } from './conversation.ts';
export { chatTemplateOf, compileChatTemplate, specialTokenOf } from './chat-template.ts';
export type { ChatTemplateRenderer, ChatTemplateTokens, TemplateMessage } from './chat-template.ts';
export { chatSegments } from './chat-segments.ts';
export type { ChatSegment } from './chat-segments.ts';
export { encodeConversationsToShard, lossMaskPath } from './encode-conversations.ts';
export type { ConversationEncodeOptions, EncodedConversations } from './encode-conversations.ts';
