// The engine's TokenizerCapability (ctx.capabilities.tokenizers for the tokenizer node): training on a worker thread,
// loading Hugging Face tokenizer.json files, encoding splits into shards in parallel, and chat splits (rendered with
// the chat template, with a loss mask) on a worker, all over engine/tokenize.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { EncodeSplitRequest, EncodedSplit, TokenizerHandle, TokenizerJobHooks, TokenizerCapability } from '../../nodes/capabilities/tokenizer.ts';
import { buildTokenizerConfig, encodeChunksToShard, loadHuggingFaceTokenizer, readTokenizerConfig, tokenizerHash, type Tokenizer } from '../tokenize/index.ts';
import { chatFormatOf } from './tokenizer/chat-format.ts';
import { encodeChatOnWorker } from './tokenizer/encode-chat-on-worker.ts';
import { splitChunks } from './tokenizer/split-chunks.ts';
import { readSplitPieces } from './tokenizer/split-pieces.ts';
import { trainOnWorker } from './tokenizer/train-on-worker.ts';

export interface TokenizerCapabilityOptions {
  /** Encoding threads; defaults to the machine's parallelism minus one (at least 1). */
  workerCount?: number;
  /** About this many UTF-16 code units per chunk handed to a worker. */
  chunkChars?: number;
}

const DEFAULT_CHUNK_CHARS = 1 << 20;

/** A TokenizerHandle that keeps the loaded engine tokenizer, so encoding does not parse tokenizer.json again. */
class LoadedTokenizerHandle implements TokenizerHandle {
  readonly kind: Tokenizer['kind'];
  readonly vocabSize: number;
  readonly hash: string;
  readonly addedTokens: TokenizerHandle['addedTokens'];

  constructor(
    readonly tokenizer: Tokenizer,
    readonly tokenizerJsonText: string,
    readonly tokenizerConfigJsonText: string,
  ) {
    this.kind = tokenizer.kind;
    this.vocabSize = tokenizer.vocabSize;
    this.hash = tokenizerHash(tokenizer);
    this.addedTokens = [...tokenizer.addedTokens].sort((a, b) => a.id - b.id).map(({ id, content, special }) => ({ id, content, special }));
  }

  idOf(token: string): number | undefined {
    return this.tokenizer.idOf(token);
  }
}

function handleForTrained(tokenizer: Tokenizer): LoadedTokenizerHandle {
  const configText = `${JSON.stringify(buildTokenizerConfig(tokenizer), null, 2)}\n`;
  return new LoadedTokenizerHandle(tokenizer, JSON.stringify(tokenizer.toHuggingFaceJson()), configText);
}

async function loadPretrained(tokenizerJsonPath: string): Promise<LoadedTokenizerHandle> {
  const info = await stat(tokenizerJsonPath).catch(() => null);
  if (!info?.isFile()) throw new Error(`pretrained tokenizer "${tokenizerJsonPath}" does not exist or is not a file; point config.path at a Hugging Face tokenizer.json`);
  const text = await readFile(tokenizerJsonPath, 'utf8');
  const tokenizer = loadHuggingFaceTokenizer(text, tokenizerJsonPath);
  const configPath = path.join(path.dirname(tokenizerJsonPath), 'tokenizer_config.json');
  if (!existsSync(configPath)) return new LoadedTokenizerHandle(tokenizer, text, `${JSON.stringify(buildTokenizerConfig(tokenizer), null, 2)}\n`);
  const configText = await readFile(configPath, 'utf8');
  readTokenizerConfig(configText, configPath);
  return new LoadedTokenizerHandle(tokenizer, text, configText);
}

async function encodeSplit(request: EncodeSplitRequest, hooks: TokenizerJobHooks, options: TokenizerCapabilityOptions): Promise<EncodedSplit> {
  const tokenizer = request.tokenizer instanceof LoadedTokenizerHandle ? request.tokenizer.tokenizer : loadHuggingFaceTokenizer(request.tokenizer.tokenizerJsonText);
  const addedTokens = tokenizer.addedTokens.map((token) => token.content);
  if (request.separator !== null && !addedTokens.includes(request.separator)) {
    throw new Error(`encoding ${request.split.textPath}: the document separator ${JSON.stringify(request.separator)} is not an added token of the tokenizer (it has ${JSON.stringify(addedTokens)})`);
  }
  const bytesTotal = (await stat(request.split.textPath)).size;
  const chunks = splitChunks(readSplitPieces(request.split), { chunkChars: options.chunkChars ?? DEFAULT_CHUNK_CHARS, separator: request.separator, addedTokens, cutBefore: tokenizer.addsPrefixSpace ? 'space' : 'whitespace' });
  const sidecar = await encodeChunksToShard(chunks, {
    outputBase: request.outputBase,
    tokenizer,
    workerCount: options.workerCount ?? Math.max(1, availableParallelism() - 1),
    signal: hooks.signal,
    onProgress: ({ bytesRead, tokens }) => hooks.onProgress?.({ bytesRead, bytesTotal, tokens }),
  });
  return { tokens: sidecar.count, dtype: sidecar.dtype };
}

export function createTokenizerCapability(options: TokenizerCapabilityOptions = {}): TokenizerCapability {
  return {
    train: async (request, hooks) => handleForTrained(await trainOnWorker(request, hooks, options.chunkChars ?? DEFAULT_CHUNK_CHARS)),
    loadPretrained,
    encodeSplit: (request, hooks) => encodeSplit(request, hooks, options),
    chatFormat: chatFormatOf,
    encodeChatSplit: encodeChatOnWorker,
  };
}
