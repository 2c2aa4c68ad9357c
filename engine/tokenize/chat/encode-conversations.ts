// Encodes a chat split: each conversation rendered by the template and encoded segment by segment (chat-segments.ts),
// conversations joined by the separator token, into a token shard (`<base>.bin` + sidecar) and its loss mask
// `<base>.mask.bin`: one uint8 per id, 1 for assistant spans, 0 for context and separators.
import { closeSync, openSync, writeSync } from 'node:fs';
import { TokenShardWriter, type TokenShardSidecar } from '../token-shard.ts';
import type { Tokenizer } from '../tokenizer.ts';
import { chatSegments } from './chat-segments.ts';
import type { ChatTemplateRenderer } from './chat-template.ts';
import { parseConversationDocument } from './conversation.ts';

/** The loss mask beside a shard: `<base>.mask.bin`. */
export function lossMaskPath(base: string): string {
  return `${base}.mask.bin`;
}

export interface ConversationEncodeOptions {
  tokenizer: Tokenizer;
  tokenizerHash: string;
  renderer: ChatTemplateRenderer;
  /** An added token put between conversations (mask 0), or null to run them together. */
  separator: string | null;
  outputBase: string;
  /** Names documents in errors: `${splitName} document N`. */
  splitName: string;
}

export interface EncodedConversations {
  sidecar: TokenShardSidecar;
  conversations: number;
  /** Ids whose mask is 1. */
  trainedTokens: number;
}

export function encodeConversationsToShard(documents: Iterable<string>, options: ConversationEncodeOptions): EncodedConversations {
  const separatorId = options.separator === null ? undefined : options.tokenizer.idOf(options.separator);
  if (options.separator !== null && separatorId === undefined) throw new Error(`the separator ${JSON.stringify(options.separator)} is not a token of the tokenizer`);
  const shard = new TokenShardWriter(options.outputBase, options.tokenizer.vocabSize, options.tokenizerHash);
  const maskFd = openSync(lossMaskPath(options.outputBase), 'w');
  let conversations = 0;
  let trainedTokens = 0;
  try {
    for (const text of documents) {
      const where = `${options.splitName} document ${conversations + 1}`;
      const messages = parseConversationDocument(text, where);
      const label = `${where} (${JSON.stringify(messages[0]!.content.slice(0, 40))}…)`;
      const ids: number[] = [];
      const mask: number[] = [];
      if (conversations > 0 && separatorId !== undefined) {
        ids.push(separatorId);
        mask.push(0);
      }
      for (const segment of chatSegments(options.renderer, messages, label)) {
        const segmentIds = options.tokenizer.encode(segment.text);
        for (const id of segmentIds) ids.push(id);
        for (let index = 0; index < segmentIds.length; index++) mask.push(segment.trained ? 1 : 0);
        if (segment.trained) trainedTokens += segmentIds.length;
      }
      shard.append(ids);
      writeSync(maskFd, Uint8Array.from(mask));
      conversations++;
    }
  } catch (error) {
    shard.abandon();
    closeSync(maskFd);
    throw error;
  }
  closeSync(maskFd);
  return { sidecar: shard.finish(), conversations, trainedTokens };
}
