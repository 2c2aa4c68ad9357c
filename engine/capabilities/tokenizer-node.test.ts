// The tokenizer node run end to end over the engine's tokenizer capability: char, bpe and pretrained on a small corpus
// written in the dataset artifact layout; the files it writes; its errors, warning and cancel.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenizerRun } from '../../nodes/tokenizer/run.ts';
import type { TokensManifest } from '../../app/artifacts/tokens-layout.ts';
import { loadHuggingFaceTokenizer, readTokenShard, trainBpe } from '../tokenize/index.ts';
import { writeCorpus } from '../../nodes/tokenizer/testing/corpus-fixture.ts';
import { tokenizerRunContext } from '../../nodes/tokenizer/testing/run-context.ts';
import { capabilitiesForTest } from '../../nodes/testing/capabilities.ts';
import { createTokenizerCapability } from './tokenizer-capability.ts';

const workRoot = mkdtempSync(path.join(tmpdir(), 'crucible-tokenizer-node-'));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));
const shakespeare = readFileSync(path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt'), 'utf8');
const SEPARATOR = '<|endoftext|>';
const tokenizers = createTokenizerCapability({ workerCount: 1, chunkChars: 20_000 });
const capabilities = capabilitiesForTest({ tokenizers });

/** Blank-line separated speeches from a slice of tinyshakespeare, as the dataset node would cut them. */
function speeches(start: number, end: number): string[] {
  return shakespeare.slice(start, end).split('\n\n').filter((speech) => speech.length > 0);
}

const trainDocuments = [...speeches(0, 40_000), 'Ünïcödé 日本語 😀👍🏽 e\u0301 café\r\nCRLF line'];
const valDocuments = [...speeches(40_000, 46_000), 'unseen by char: ☃ and ß'];
let caseNumber = 0;

function freshCase(documents = { train: trainDocuments, val: valDocuments }) {
  const workDir = path.join(workRoot, `case-${caseNumber++}`);
  const corpusDir = path.join(workDir, 'corpus');
  return { workDir, corpusDir, splits: writeCorpus(corpusDir, documents) };
}

function readOutputs(workDir: string) {
  const tokenizerDir = path.join(workDir, 'out', 'tokenizer');
  const tokensDir = path.join(workDir, 'out', 'tokens');
  const tokenizerJsonText = readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8');
  return {
    tokenizerDir,
    tokensDir,
    tokenizerJsonText,
    tokenizer: loadHuggingFaceTokenizer(tokenizerJsonText),
    manifest: JSON.parse(readFileSync(path.join(tokensDir, 'tokens.json'), 'utf8')) as TokensManifest,
    train: readTokenShard(path.join(tokensDir, 'train')),
    val: readTokenShard(path.join(tokensDir, 'val')),
  };
}

describe('tokenizer node: bpe', () => {
  it('trains, writes Hugging Face files, and encodes both splits with the separator between documents', async () => {
    const { workDir, corpusDir } = freshCase();
    const ctx = tokenizerRunContext(workDir, corpusDir, { kind: 'bpe', vocabSize: 400 }, capabilities);
    const result = await tokenizerRun.run(ctx);
    const out = readOutputs(workDir);
    expect(out.tokenizer.vocabSize).toBe(400);
    expect(Array.from(out.train.ids)).toEqual(out.tokenizer.encode(trainDocuments.join(SEPARATOR)));
    expect(Array.from(out.val.ids)).toEqual(out.tokenizer.encode(valDocuments.join(SEPARATOR)));
    const hash = `sha256:${createHash('sha256').update(out.tokenizerJsonText).digest('hex')}`;
    expect(out.train.sidecar).toMatchObject({ dtype: 'uint16', tokenizerHash: hash, vocabSize: 400 });
    expect(out.manifest).toMatchObject({
      vocabSize: 400,
      dtype: 'uint16',
      train: { tokens: out.train.ids.length, shard: 'train.bin' },
      val: { tokens: out.val.ids.length },
      documentSeparator: { token: SEPARATOR, id: 0 },
      tokenizer: { hash, kind: 'byte-level-bpe', source: 'trained', tokenizerJson: 'tokenizer.json' },
    });
    expect(readFileSync(path.join(out.tokensDir, 'tokenizer.json'), 'utf8')).toBe(out.tokenizerJsonText);
    expect(JSON.parse(readFileSync(path.join(out.tokenizerDir, 'tokenizer_config.json'), 'utf8'))).toMatchObject({ eos_token: SEPARATOR });
    expect(result.outputs['tokens']?.meta).toMatchObject({ trainTokens: out.train.ids.length, valTokens: out.val.ids.length, tokenizerHash: hash });
    expect(result.metrics).toMatchObject({ vocabSize: 400, trainTokens: out.train.ids.length });
    const fractions = ctx.progressUpdates.map((update) => update.fraction ?? 0);
    expect(fractions.every((fraction, index) => index === 0 || fraction >= (fractions[index - 1] as number))).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    expect(ctx.progressUpdates.some((update) => (update.metrics?.['tokens'] ?? 0) > 0 && (update.metrics?.['bytesRead'] ?? 0) > 0)).toBe(true);
  });

  it('relays the trainer\'s warning when the corpus is too small for the vocabulary', async () => {
    const split = freshCase({ train: ['tiny corpus, tiny corpus'], val: [] }).splits.train;
    const warnings: string[] = [];
    const request = { kind: 'bpe' as const, split, vocabSize: 5000, minFrequency: 2, specialTokens: [SEPARATOR] };
    const tokenizer = await tokenizers.train(request, { signal: new AbortController().signal, onWarning: (message) => warnings.push(message) });
    expect(warnings.join('\n')).toMatch(/too small for vocabSize 5000/);
    expect(tokenizer.vocabSize).toBeLessThan(300);
  });

  it('refuses a vocabulary smaller than the byte alphabet plus special tokens', async () => {
    const { workDir, corpusDir } = freshCase();
    const ctx = tokenizerRunContext(workDir, corpusDir, { kind: 'bpe', vocabSize: 256 }, capabilities);
    await expect(tokenizerRun.run(ctx)).rejects.toThrow(/tokenizer node "tok": config.vocabSize \(256\) is smaller than the base alphabet .* use at least 257/);
  });
});

describe('tokenizer node: char', () => {
  it('uses the training characters, maps unseen ones to <unk>, and encodes both splits', async () => {
    const { workDir, corpusDir } = freshCase();
    await tokenizerRun.run(tokenizerRunContext(workDir, corpusDir, { kind: 'char' }, capabilities));
    const out = readOutputs(workDir);
    const characters = new Set(trainDocuments.join('')).size;
    expect(out.tokenizer.vocabSize).toBe(characters + 2);
    expect(out.tokenizer.idOf('<unk>')).toBe(characters);
    expect(Array.from(out.train.ids)).toEqual(out.tokenizer.encode(trainDocuments.join(SEPARATOR)));
    expect(Array.from(out.val.ids)).toContain(characters);
    expect(out.manifest).toMatchObject({ documentSeparator: { token: SEPARATOR, id: characters + 1 }, tokenizer: { kind: 'char' } });
  });
});

describe('tokenizer node: pretrained', () => {
  const pretrainedDir = path.join(workRoot, 'pretrained');
  mkdirSync(pretrainedDir, { recursive: true });
  const pretrained = trainBpe(shakespeare.slice(0, 30_000), { vocabSize: 320, specialTokens: ['<|endoftext|>', '<|pad|>'] });
  const pretrainedPath = path.join(pretrainedDir, 'tokenizer.json');
  const pretrainedText = JSON.stringify(pretrained.toHuggingFaceJson(), null, 1);
  writeFileSync(pretrainedPath, pretrainedText);

  it('loads a tokenizer.json unchanged and copies the tokenizer_config.json found beside it', async () => {
    const configText = '{"tokenizer_class": "GPT2TokenizerFast", "model_max_length": 2048}';
    writeFileSync(path.join(pretrainedDir, 'tokenizer_config.json'), configText);
    const { workDir, corpusDir } = freshCase();
    await tokenizerRun.run(tokenizerRunContext(workDir, corpusDir, { kind: 'pretrained', path: pretrainedPath }, capabilities));
    const out = readOutputs(workDir);
    expect(out.tokenizerJsonText).toBe(pretrainedText);
    expect(readFileSync(path.join(out.tokenizerDir, 'tokenizer_config.json'), 'utf8')).toBe(configText);
    expect(Array.from(out.train.ids)).toEqual(pretrained.encode(trainDocuments.join(SEPARATOR)));
    expect(out.manifest.tokenizer).toMatchObject({ source: 'pretrained', kind: 'byte-level-bpe' });
  });

  it('fails clearly for a missing or malformed file and for a separator the tokenizer lacks', async () => {
    const { workDir, corpusDir } = freshCase();
    const missing = path.join(workRoot, 'nowhere', 'tokenizer.json');
    await expect(tokenizerRun.run(tokenizerRunContext(workDir, corpusDir, { kind: 'pretrained', path: missing }, capabilities))).rejects.toThrow(/nowhere\/tokenizer\.json" does not exist .*point config\.path at a Hugging Face tokenizer\.json/);
    const malformed = path.join(workRoot, 'malformed.json');
    writeFileSync(malformed, '{"model": ');
    await expect(tokenizerRun.run(tokenizerRunContext(workDir, corpusDir, { kind: 'pretrained', path: malformed }, capabilities))).rejects.toThrow(/malformed\.json: not valid JSON/);
    await expect(tokenizerRun.run(tokenizerRunContext(workDir, corpusDir, { kind: 'pretrained', path: pretrainedPath, specialTokens: ['<|sep|>'] }, capabilities))).rejects.toThrow(/specialTokens\[0\] "<\|sep\|>" .* is not an added token/);
  });
});

describe('tokenizer node: cancel', () => {
  it('stops training within a second of the abort, while the worker is busy', async () => {
    const { workDir, corpusDir } = freshCase({ train: [shakespeare, shakespeare], val: ['x'] });
    const ctx = tokenizerRunContext(workDir, corpusDir, { kind: 'bpe', vocabSize: 4096 }, capabilities);
    let abortedAtMs = 0;
    ctx.progress = (update) => {
      if (abortedAtMs > 0 || !(update.metrics?.['bytesRead'] ?? 0)) return;
      abortedAtMs = performance.now();
      ctx.controller.abort(new Error('cancelled by test'));
    };
    await expect(tokenizerRun.run(ctx)).rejects.toThrow('cancelled by test');
    expect(abortedAtMs).toBeGreaterThan(0);
    expect(performance.now() - abortedAtMs).toBeLessThan(1000);
  });

  it('stops encoding and leaves the shard without a sidecar', async () => {
    const { workDir, splits } = freshCase({ train: [shakespeare], val: [] });
    const split = splits.train;
    const smallChunks = createTokenizerCapability({ workerCount: 1, chunkChars: 2_000 });
    const tokenizer = await smallChunks.train({ kind: 'char', split, vocabSize: 0, minFrequency: 1, specialTokens: [] }, { signal: new AbortController().signal });
    const controller = new AbortController();
    const outputBase = path.join(workDir, 'cancelled');
    const encoding = smallChunks.encodeSplit({ tokenizer, split, outputBase, separator: null }, { signal: controller.signal, onProgress: () => controller.abort(new Error('stop encoding')) });
    await expect(encoding).rejects.toThrow('stop encoding');
    expect(existsSync(`${outputBase}.json`)).toBe(false);
  });
});
