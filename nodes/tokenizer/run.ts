// Engine side of the tokenizer node: trains (char, byte-level BPE) or loads a tokenizer, writes its Hugging Face
// files, and encodes the corpus's train and val splits into token shards through ctx.capabilities.tokenizers.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { corpusSourcesOf, type CorpusSplit } from '../../app/artifacts/corpus-layout.ts';
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { EncodedSplit, TokenizerHandle } from '../capabilities/tokenizer.ts';
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
  checkConfig(ctx);
  const corpus = ctx.input('corpus');
  const splits = await readCorpusSplits(corpus.path);
  const trains = ctx.config.kind !== 'pretrained';
  const [trainBytes, valBytes] = [(await stat(splits.train.textPath)).size, (await stat(splits.val.textPath)).size];
  const progress = new TokenizerProgress(
    [...(trains ? [{ name: `training ${ctx.config.kind}`, bytes: trainBytes }] : []), { name: 'encoding train', bytes: trainBytes }, { name: 'encoding val', bytes: valBytes }],
    (update) => ctx.progress(update),
  );
  const tokenizer = await obtainTokenizer(ctx, splits, progress);
  const separator = documentSeparator(ctx, tokenizer);
  await writeTokenizerFiles(ctx.outputDir('tokenizer'), tokenizer);
  const tokensDir = ctx.outputDir('tokens');
  const encoded = await encodeSplits(ctx, { tokenizer, splits, separator, tokensDir, progress });
  // The dataset's sources travel on, so a model trained on these tokens can say what it was trained on.
  const sources = corpusSourcesOf(corpus.meta);
  const manifest = buildTokensManifest({ tokenizer, source: trains ? 'trained' : 'pretrained', separator, sources, ...encoded });
  await writeTokenizerFiles(tokensDir, tokenizer);
  await writeFile(path.join(tokensDir, TOKENS_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.log(`tokenizer ${tokenizer.kind}, vocabulary ${tokenizer.vocabSize}: ${encoded.train.tokens} train and ${encoded.val.tokens} val tokens (${encoded.train.dtype})`);
  return runResult(tokenizer, manifest);
}

function runResult(tokenizer: TokenizerHandle, manifest: TokensManifest): NodeRunResult {
  const specialTokens = tokenizer.addedTokens.filter((token) => token.special).map((token) => token.content);
  const counts = { vocabSize: tokenizer.vocabSize, trainTokens: manifest.train.tokens, valTokens: manifest.val.tokens };
  return {
    outputs: {
      tokenizer: { meta: { kind: tokenizer.kind, source: manifest.tokenizer.source, vocabSize: tokenizer.vocabSize, tokenizerHash: tokenizer.hash, specialTokens } },
      tokens: { meta: { ...counts, dtype: manifest.dtype, tokenizerHash: tokenizer.hash, documentSeparator: manifest.documentSeparator, sources: manifest.sources } },
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
}

async function encodeSplits(ctx: NodeRunContextOf<TokenizerConfig>, job: EncodeAll): Promise<Record<CorpusSplit, EncodedSplit>> {
  const encode = async (split: CorpusSplit): Promise<EncodedSplit> => {
    const onProgress = job.progress.phase(`encoding ${split}`);
    const request = { tokenizer: job.tokenizer, split: job.splits[split], outputBase: path.join(job.tokensDir, split), separator: job.separator };
    const encoded = await ctx.capabilities.tokenizers.encodeSplit(request, { signal: ctx.signal, onProgress });
    job.progress.finish(`encoding ${split}`);
    return encoded;
  };
  const train = await encode('train');
  return { train, val: await encode('val') };
}

function checkConfig({ nodeId, config }: NodeRunContextOf<TokenizerConfig>): void {
  const minimum = BYTE_ALPHABET_SIZE + config.specialTokens.length;
  if (config.kind === 'bpe' && config.vocabSize < minimum) {
    throw new Error(`tokenizer node "${nodeId}": config.vocabSize (${config.vocabSize}) is smaller than the base alphabet (256 byte tokens + ${config.specialTokens.length} special tokens); use at least ${minimum}`);
  }
  if (config.kind === 'pretrained' && config.path === '') {
    throw new Error(`tokenizer node "${nodeId}": config.path is empty; kind "pretrained" needs the path of a Hugging Face tokenizer.json`);
  }
}

async function obtainTokenizer(ctx: NodeRunContextOf<TokenizerConfig>, splits: CorpusSplits, progress: TokenizerProgress): Promise<TokenizerHandle> {
  const { config } = ctx;
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
function documentSeparator({ nodeId, config }: NodeRunContextOf<TokenizerConfig>, tokenizer: TokenizerHandle): string | null {
  const separator = config.specialTokens[0];
  if (separator === undefined) return null;
  if (tokenizer.addedTokens.some((token) => token.content === separator)) return separator;
  const known = tokenizer.addedTokens.map((token) => token.content);
  throw new Error(`tokenizer node "${nodeId}": specialTokens[0] ${JSON.stringify(separator)} (the document separator) is not an added token of ${config.path}; set specialTokens to one of ${JSON.stringify(known)}, or to [] to run documents together`);
}

async function writeTokenizerFiles(folder: string, tokenizer: TokenizerHandle): Promise<void> {
  await writeFile(path.join(folder, 'tokenizer.json'), tokenizer.tokenizerJsonText);
  await writeFile(path.join(folder, 'tokenizer_config.json'), tokenizer.tokenizerConfigJsonText);
}

