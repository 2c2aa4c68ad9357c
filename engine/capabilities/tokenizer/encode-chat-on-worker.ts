// Main-thread side of chat encoding: runs chat-encode-worker.ts on its own thread (chat corpora are small, so one
// thread is enough), relays progress, and terminates it on cancel.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { EncodeChatSplitRequest, EncodedChatSplit, TokenizerJobHooks } from '../../../nodes/capabilities/tokenizer.ts';
import { lossMaskPath } from '../../tokenize/chat/index.ts';
import { runWorkerJob } from '../../workers/run-worker-job.ts';
import type { ChatEncodeWorkerProtocol } from './chat-encode-worker.ts';

const CHAT_ENCODE_WORKER_URL = new URL('./chat-encode-worker.ts', import.meta.url);

export async function encodeChatOnWorker(request: EncodeChatSplitRequest, hooks: TokenizerJobHooks): Promise<EncodedChatSplit> {
  hooks.signal.throwIfAborted();
  const bytesTotal = (await stat(request.split.textPath)).size;
  const data = {
    tokenizerJsonText: request.tokenizer.tokenizerJsonText,
    tokenizerHash: request.tokenizer.hash,
    template: request.chat.template,
    bosToken: request.chat.bosToken,
    eosToken: request.chat.eosToken,
    separator: request.separator,
    split: request.split,
    outputBase: request.outputBase,
    splitName: path.basename(request.outputBase),
  };
  try {
    const result = await runWorkerJob<ChatEncodeWorkerProtocol>(CHAT_ENCODE_WORKER_URL, data, {
      label: `chat encoding of ${request.split.textPath}`,
      signal: hooks.signal,
      onProgress: ({ bytesRead }) => hooks.onProgress?.({ bytesRead, bytesTotal }),
    });
    hooks.onProgress?.({ bytesRead: bytesTotal, bytesTotal, tokens: result.tokens });
    return { tokens: result.tokens, dtype: result.dtype, maskFile: path.basename(lossMaskPath(request.outputBase)), conversations: result.conversations, trainedTokens: result.trainedTokens };
  } catch (error) {
    hooks.signal.throwIfAborted();
    throw error;
  }
}
