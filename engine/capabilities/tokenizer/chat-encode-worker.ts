// Worker-thread side of chat encoding: reads a chat split's conversations from disk, renders and encodes each with
// engine/tokenize/chat (token shard + loss mask), reporting bytes read and ids written, so the engine's thread stays free.
import type { TextSplit } from '../../../nodes/capabilities/tokenizer.ts';
import { compileChatTemplate, encodeConversationsToShard } from '../../tokenize/chat/index.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import { readSplitPieces } from './split-pieces.ts';

export interface ChatEncodeWorkerData {
  tokenizerJsonText: string;
  tokenizerHash: string;
  template: string;
  bosToken: string;
  eosToken: string;
  separator: string | null;
  split: TextSplit;
  outputBase: string;
  /** Names documents in errors: `${splitName} document N`. */
  splitName: string;
}

export interface ChatEncodeWorkerResult {
  tokens: number;
  dtype: 'uint16' | 'uint32';
  conversations: number;
  trainedTokens: number;
}

export type ChatEncodeWorkerProtocol = WorkerJobProtocol<ChatEncodeWorkerData, { bytesRead: number }, ChatEncodeWorkerResult>;

const PROGRESS_INTERVAL_MS = 250;

/** Whole documents (conversations are small); each reported as read. */
function* documentsOf(split: TextSplit, report: (bytesRead: number) => void): Generator<string> {
  let parts: string[] | null = null;
  let lastReportMs = 0;
  for (const piece of readSplitPieces(split)) {
    if (piece.startsDocument && parts !== null) yield parts.join('');
    if (piece.startsDocument) parts = [];
    parts!.push(piece.text);
    if (performance.now() - lastReportMs >= PROGRESS_INTERVAL_MS) {
      report(piece.bytesRead);
      lastReportMs = performance.now();
    }
  }
  if (parts !== null) yield parts.join('');
}

function encode(data: ChatEncodeWorkerData, report: (progress: { bytesRead: number }) => void): ChatEncodeWorkerResult {
  const tokenizer = loadHuggingFaceTokenizer(data.tokenizerJsonText);
  const renderer = compileChatTemplate(data.template, { bos: data.bosToken, eos: data.eosToken });
  const encoded = encodeConversationsToShard(
    documentsOf(data.split, (bytesRead) => report({ bytesRead })),
    { tokenizer, tokenizerHash: data.tokenizerHash, renderer, separator: data.separator, outputBase: data.outputBase, splitName: data.splitName },
  );
  return { tokens: encoded.sidecar.count, dtype: encoded.sidecar.dtype, conversations: encoded.conversations, trainedTokens: encoded.trainedTokens };
}

performWorkerJob<ChatEncodeWorkerProtocol>((data, { report }) => encode(data, report));
