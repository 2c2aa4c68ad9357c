// Engine side of the tokenizer node: trains (char, byte-level BPE), loads, or takes from its `tokenizer` input a
// tokenizer, writes its Hugging Face files, and encodes the corpus's train and val splits into token shards through
// ctx.capabilities.tokenizers. A chat corpus is rendered with the chat template and gets a loss mask per split.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { corpusContentOf, corpusSourcesOf, type CorpusSplit } from '../../app/artifacts/corpus-layout.ts';
import type { ArtifactHandle, NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { ChatFormat, EncodedChatSplit, EncodedSplit, TokenizerHandle } from '../capabilities/tokenizer.ts';
import { readCorpusSplits, type CorpusSplits } from './corpus-splits.ts';
import { tokenizerFingerprint } from './fingerprint.ts';
import { TokenizerProgress } from './progress.ts';
import type { tokenizerConfig } from './spec.ts';
import { buildTokensManifest } from './tokens-manifest.ts';
import { TOKENS_MANIFEST_FILE, type TokensManifest } from '../../app/artifacts/tokens-layout.ts';

type TokenizerConfig = z.output<typeof tokenizerConfig>;
/** GPT-2's 256 byte tokens: every byte-level BPE vocabulary starts with them. */
const BYTE_ALPHABET_SIZE = 256;

export const tokenizerRun: NodeRunOf<TokenizerConfig> = {
  type: 'tokenizer',
  fingerprint: tokenizerFingerprint,
  run: runTokenizer,
};

async function runTokenizer(ctx: NodeRunContextOf<TokenizerConfig>): Promise<NodeRunResult> {
  const connected = ctx.inputs('tokenizer')[0] ?? null;
  checkConfig(ctx, connected);
  const corpus = ctx.input('corpus');
  const splits = await readCorpusSplits(corpus.path);
  const trains = connected === null && ctx.config.kind !== 'pretrained';
  const [trainBytes, valBytes] = [(await stat(splits.train.textPath)).size, (await stat(splits.val.textPath)).size];
  const progress = new TokenizerProgress(
    [...(trains ? [{ name: `training ${ctx.config.kind}`, bytes: trainBytes }] : []), { name: 'encoding train', bytes: trainBytes }, { name: 'encoding val', bytes: valBytes }],
    (update) => ctx.progress(update),
  );
  const tokenizer = await obtainTokenizer(ctx, connected, splits, progress);
  const separator = documentSeparator(ctx, tokenizer, connected);
  const chat = corpusContentOf(corpus.meta) === 'chat' ? chatFormatFor(ctx, tokenizer, trains) : null;
  // The default chat template, when used, goes into both copies of tokenizer_config.json (what deploy will serve).
  const configText = chat?.tokenizerConfigJsonText ?? tokenizer.tokenizerConfigJsonText;
  await writeTokenizerFiles(ctx.outputDir('tokenizer'), tokenizer, configText);
  const tokensDir = ctx.outputDir('tokens');
  const encoded = await encodeSplits(ctx, { tokenizer, splits, separator, tokensDir, progress, chat });
  // The dataset's sources travel on, so a model trained on these tokens can say what it was trained on.
  const sources = corpusSourcesOf(corpus.meta);
  const lossMask = chat ? { train: (encoded.train as EncodedChatSplit).maskFile, val: (encoded.val as EncodedChatSplit).maskFile } : undefined;
  const manifest = buildTokensManifest({ tokenizer, source: trains ? 'trained' : 'pretrained', separator, sources, lossMask, ...encoded });
  await writeTokenizerFiles(tokensDir, tokenizer, configText);
  await writeFile(path.join(tokensDir, TOKENS_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.log(`tokenizer ${tokenizer.kind}, vocabulary ${tokenizer.vocabSize}: ${encoded.train.tokens} train and ${encoded.val.tokens} val tokens (${encoded.train.dtype})`);
  if (chat) logChatCounts(ctx, encoded as Record<CorpusSplit, EncodedChatSplit>);
  return runResult(tokenizer, manifest, chat);
}

function runResult(tokenizer: TokenizerHandle, manifest: TokensManifest, chat: ChatFormat | null): NodeRunResult {
  const specialTokens = tokenizer.addedTokens.filter((token) => token.special).map((token) => token.content);
  const counts = { vocabSize: tokenizer.vocabSize, trainTokens: manifest.train.tokens, valTokens: manifest.val.tokens };
  const chatMeta = chat ? { content: 'chat', chatTemplate: chat.source } : {};
  return {
    outputs: {
      tokenizer: { meta: { kind: tokenizer.kind, source: manifest.tokenizer.source, vocabSize: tokenizer.vocabSize, tokenizerHash: tokenizer.hash, specialTokens, ...chatMeta } },
      tokens: { meta: { ...counts, dtype: manifest.dtype, tokenizerHash: tokenizer.hash, documentSeparator: manifest.documentSeparator, sources: manifest.sources, ...chatMeta } },
    },
    metrics: counts,
  };
}

interface EncodeAll {
  tokenizer: TokenizerHandle;
  splits: CorpusSplits;
  separator: string | null;
  tokensDir: string;
  progress: TokenizerProgress;
  /** Set for a chat corpus: conversations are rendered with it and masked. */
  chat: ChatFormat | null;
}

async function encodeSplits(ctx: NodeRunContextOf<TokenizerConfig>, job: EncodeAll): Promise<Record<CorpusSplit, EncodedSplit>> {
  const encode = async (split: CorpusSplit): Promise<EncodedSplit> => {
    const onProgress = job.progress.phase(`encoding ${split}`);
    const request = { tokenizer: job.tokenizer, split: job.splits[split], outputBase: path.join(job.tokensDir, split), separator: job.separator };
    const hooks = { signal: ctx.signal, onProgress };
    const encoded = job.chat ? await ctx.capabilities.tokenizers.encodeChatSplit({ ...request, chat: job.chat }, hooks) : await ctx.capabilities.tokenizers.encodeSplit(request, hooks);
    job.progress.finish(`encoding ${split}`);
    return encoded;
  };
  const train = await encode('train');
  return { train, val: await encode('val') };
}

/** The chat template conversations are rendered with, said in the log. */
function chatFormatFor(ctx: NodeRunContextOf<TokenizerConfig>, tokenizer: TokenizerHandle, trained: boolean): ChatFormat {
  const chat = ctx.capabilities.tokenizers.chatFormat(tokenizer);
  if (trained) ctx.log('chat corpus with a tokenizer trained on it: usually a chat corpus is encoded with the model\'s tokenizer (connect the model node\'s tokenizer output)', 'warn');
  ctx.log(
    chat.source === 'tokenizer'
      ? "chat corpus: rendering conversations with the tokenizer's chat_template; only assistant tokens are trained (loss mask)"
      : 'chat corpus: the tokenizer has no chat_template, so the default SFT template is used and written into tokenizer_config.json; only assistant tokens are trained (loss mask)',
  );
  return chat;
}

function logChatCounts(ctx: NodeRunContextOf<TokenizerConfig>, encoded: Record<CorpusSplit, EncodedChatSplit>): void {
  const share = (split: EncodedChatSplit): string => `${split.trainedTokens} of ${split.tokens} tokens trained (${split.tokens === 0 ? 0 : Math.round((100 * split.trainedTokens) / split.tokens)} %)`;
  ctx.log(`chat: train ${encoded.train.conversations} conversations, ${share(encoded.train)}; val ${encoded.val.conversations} conversations, ${share(encoded.val)}`);
}

function checkConfig({ nodeId, config }: NodeRunContextOf<TokenizerConfig>, connected: ArtifactHandle | null): void {
  if (connected !== null) return;
  const minimum = BYTE_ALPHABET_SIZE + config.specialTokens.length;
  if (config.kind === 'bpe' && config.vocabSize < minimum) {
    throw new Error(`tokenizer node "${nodeId}": config.vocabSize (${config.vocabSize}) is smaller than the base alphabet (256 byte tokens + ${config.specialTokens.length} special tokens); use at least ${minimum}`);
  }
  if (config.kind === 'pretrained' && config.path === '') {
    throw new Error(`tokenizer node "${nodeId}": config.path is empty; kind "pretrained" needs the path of a Hugging Face tokenizer.json`);
  }
}

async function obtainTokenizer(ctx: NodeRunContextOf<TokenizerConfig>, connected: ArtifactHandle | null, splits: CorpusSplits, progress: TokenizerProgress): Promise<TokenizerHandle> {
  const { config } = ctx;
  if (connected !== null) {
    ctx.log(`tokenizer: encoding with the connected tokenizer; config kind ("${config.kind}"), vocabSize, minFrequency and path are ignored`);
    return ctx.capabilities.tokenizers.loadPretrained(path.join(connected.path, 'tokenizer.json'));
  }
  if (config.kind === 'pretrained') return ctx.capabilities.tokenizers.loadPretrained(config.path);
  const phase = `training ${config.kind}`;
  const onWarning = (message: string): void => ctx.log(message, 'warn');
  const request = { kind: config.kind, split: splits.train, vocabSize: config.vocabSize, minFrequency: config.minFrequency, specialTokens: config.specialTokens };
  const tokenizer = await ctx.capabilities.tokenizers.train(request, { signal: ctx.signal, onProgress: progress.phase(phase), onWarning });
  progress.finish(phase);
  return tokenizer;
}

/**
 * The first special token goes between documents. A pretrained tokenizer must know it as an added token: encoded
 * as plain text it would silently become ordinary tokens.
 */
function documentSeparator({ nodeId, config }: NodeRunContextOf<TokenizerConfig>, tokenizer: TokenizerHandle, connected: ArtifactHandle | null): string | null {
  const separator = config.specialTokens[0];
  if (separator === undefined) return null;
  if (tokenizer.addedTokens.some((token) => token.content === separator)) return separator;
  const known = tokenizer.addedTokens.map((token) => token.content);
  const source = connected === null ? config.path : 'the connected tokenizer';
  throw new Error(`tokenizer node "${nodeId}": specialTokens[0] ${JSON.stringify(separator)} (the document separator) is not an added token of ${source}; set specialTokens to one of ${JSON.stringify(known)}, or to [] to run documents together`);
}

async function writeTokenizerFiles(folder: string, tokenizer: TokenizerHandle, tokenizerConfigJsonText: string): Promise<void> {
  await writeFile(path.join(folder, 'tokenizer.json'), tokenizer.tokenizerJsonText);
  await writeFile(path.join(folder, 'tokenizer_config.json'), tokenizerConfigJsonText);
}

