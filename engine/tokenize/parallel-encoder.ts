// Encodes a large text into a token shard across worker threads: the text streams in safe chunks (text-chunks),
// workers encode them concurrently, and ids are appended to the shard strictly in chunk order.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EncodeRequest, EncodeResponse } from './encode-worker.ts';
import { readTextChunks, type TextChunk } from './text-chunks.ts';
import { TokenShardWriter } from './token-shard.ts';
import type { TokenShardSidecar } from './token-shard.ts';
import { tokenizerHash } from './tokenizer-hash.ts';
import type { Tokenizer } from './tokenizer.ts';
import { startTypeScriptWorker } from '../workers/typescript-worker.ts';

export interface EncodeProgress {
  bytesRead: number;
  tokens: number;
}

export interface EncodeChunksOptions {
  /** Shard path without extension: writes `<outputBase>.bin` and `<outputBase>.json`. */
  outputBase: string;
  tokenizer: Tokenizer;
  /** Defaults to the machine's parallelism minus one (at least 1). */
  workerCount?: number;
  onProgress?: (progress: EncodeProgress) => void;
  /** Stops between chunks: workers end, the shard is left without a sidecar, and the promise rejects. */
  signal?: AbortSignal;
}

export interface EncodeFileOptions extends EncodeChunksOptions {
  inputPath: string;
  /** About this many UTF-16 code units per chunk; 1M keeps each worker busy ~100 ms. */
  chunkChars?: number;
}

const WORKER_URL = new URL('./encode-worker.ts', import.meta.url);

function startWorkers(count: number, tokenizerJson: unknown): Worker[] {
  return Array.from({ length: count }, () => startTypeScriptWorker(WORKER_URL, { tokenizerJson }));
}

export async function encodeFileToShard(options: EncodeFileOptions): Promise<TokenShardSidecar> {
  const specialTokens = options.tokenizer.addedTokens.map((token) => token.content);
  const cutBefore = options.tokenizer.addsPrefixSpace ? 'space' : 'whitespace';
  return encodeChunksToShard(readTextChunks(options.inputPath, options.chunkChars ?? 1 << 20, specialTokens, cutBefore), options);
}

/**
 * Encodes chunks whose ids concatenate to the ids of the whole text: each must end where no token spans the cut
 * (see text-chunks.ts), or right before a special token.
 */
export async function encodeChunksToShard(chunks: AsyncIterable<TextChunk> | Iterable<TextChunk>, options: EncodeChunksOptions): Promise<TokenShardSidecar> {
  options.signal?.throwIfAborted();
  const workerCount = Math.max(1, options.workerCount ?? availableParallelism() - 1);
  const workers = startWorkers(workerCount, options.tokenizer.toHuggingFaceJson());
  const writer = new TokenShardWriter(options.outputBase, options.tokenizer.vocabSize, tokenizerHash(options.tokenizer));
  const inFlight = new Map<number, Promise<EncodeResponse>>();
  let nextToWrite = 0;
  let tokens = 0;
  let bytesRead = 0;
  const writeNext = async (): Promise<void> => {
    const { ids } = await (inFlight.get(nextToWrite) as Promise<EncodeResponse>);
    inFlight.delete(nextToWrite++);
    writer.append(ids);
    tokens += ids.length;
    options.onProgress?.({ bytesRead, tokens });
  };
  try {
    let index = 0;
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      bytesRead = chunk.bytesRead;
      inFlight.set(index, encodeOn(workers[index % workerCount] as Worker, { index, text: chunk.text }));
      index++;
      if (inFlight.size >= workerCount * 2) await writeNext();
    }
    while (inFlight.size > 0) {
      options.signal?.throwIfAborted();
      await writeNext();
    }
    return writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Replies carry the chunk index they answer. A failed worker rejects every request still waiting on it. */
function encodeOn(worker: Worker, request: EncodeRequest): Promise<EncodeResponse> {
  const reply = new Promise<EncodeResponse>((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (response: EncodeResponse): void => {
      if (response.index !== request.index) return;
      settle();
      resolve(response);
    };
    const onError = (error: Error): void => {
      settle();
      reject(new Error(`encode worker failed on chunk ${request.index}: ${error.message}`));
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`encode worker exited (code ${code}) before answering chunk ${request.index}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request);
  });
  // Replies are awaited in chunk order; until then a rejection must not count as unhandled.
  reply.catch(() => undefined);
  return reply;
}
