// The tokenizer node run against a fake tokenizer capability: which requests it makes (separator, splits, config),
// how it relays warnings and progress, what it writes, and the errors it raises before any work starts.
// The real one is exercised end to end in engine/capabilities/tokenizer-node.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EncodeSplitRequest, TokenizerHandle, TokenizerCapability, TokenizerTrainingRequest } from '../capabilities/tokenizer.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { tokenizerRun } from './run.ts';
import { tokenizerConfig } from './spec.ts';
import { writeCorpus } from './testing/corpus-fixture.ts';
import { tokenizerRunContext } from './testing/run-context.ts';

const workRoot = mkdtempSync(path.join(tmpdir(), 'crucible-tokenizer-run-'));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));
let caseNumber = 0;

function fakeHandle(addedTokens: string[]): TokenizerHandle {
  return {
    kind: 'byte-level-bpe',
    vocabSize: 300,
    hash: 'sha256:fake',
    addedTokens: addedTokens.map((content, id) => ({ id, content, special: true })),
    tokenizerJsonText: '{"fake": "tokenizer.json"}',
    tokenizerConfigJsonText: '{"fake": "tokenizer_config.json"}',
    idOf: (token) => (addedTokens.includes(token) ? addedTokens.indexOf(token) : undefined),
  };
}

/** Records requests; training warns once and reports its progress, each split encodes to 10 tokens per byte read. */
function fakeTokenizers(addedTokens: string[] = ['<|endoftext|>']) {
  const calls = { train: [] as TokenizerTrainingRequest[], encode: [] as EncodeSplitRequest[], loaded: [] as string[] };
  const tokenizers: TokenizerCapability = {
    train: async (request, hooks) => {
      calls.train.push(request);
      hooks.onWarning?.('the corpus is too small for vocabSize 300');
      hooks.onProgress?.({ bytesRead: 10, bytesTotal: 10 });
      return fakeHandle(addedTokens);
    },
    loadPretrained: async (tokenizerJsonPath) => {
      calls.loaded.push(tokenizerJsonPath);
      return fakeHandle(addedTokens);
    },
    encodeSplit: async (request, hooks) => {
      calls.encode.push(request);
      hooks.onProgress?.({ bytesRead: 5, bytesTotal: 5, tokens: 50 });
      return { tokens: 50, dtype: 'uint16' };
    },
    chatFormat: () => {
      throw new Error('this test has no chat corpus');
    },
    encodeChatSplit: async () => {
      throw new Error('this test has no chat corpus');
    },
  };
  return { tokenizers, calls };
}

function freshContext(config: Parameters<typeof tokenizerRunContext>[2], tokenizers: TokenizerCapability, corpusMeta: Record<string, unknown> = {}) {
  const workDir = path.join(workRoot, `case-${caseNumber++}`);
  const corpusDir = path.join(workDir, 'corpus');
  const splits = writeCorpus(corpusDir, { train: ['first document', 'second'], val: ['val'] });
  return { ctx: tokenizerRunContext(workDir, corpusDir, config, capabilitiesForTest({ tokenizers }), corpusMeta), workDir, splits };
}

describe('tokenizer node run', () => {
  it('trains on the train split, encodes both splits with the first special token between documents, and writes tokens.json', async () => {
    const { tokenizers, calls } = fakeTokenizers();
    const { ctx, workDir, splits } = freshContext({ kind: 'bpe', vocabSize: 300, minFrequency: 3 }, tokenizers);
    const result = await tokenizerRun.run(ctx);
    expect(calls.train).toEqual([{ kind: 'bpe', split: splits.train, vocabSize: 300, minFrequency: 3, specialTokens: ['<|endoftext|>'] }]);
    expect(calls.encode.map((request) => [request.split.textPath, path.basename(request.outputBase), request.separator])).toEqual([
      [splits.train.textPath, 'train', '<|endoftext|>'],
      [splits.val.textPath, 'val', '<|endoftext|>'],
    ]);
    expect(ctx.logLines).toContainEqual({ line: 'the corpus is too small for vocabSize 300', level: 'warn' });
    for (const port of ['tokenizer', 'tokens']) {
      expect(readFileSync(path.join(workDir, 'out', port, 'tokenizer.json'), 'utf8')).toBe('{"fake": "tokenizer.json"}');
      expect(readFileSync(path.join(workDir, 'out', port, 'tokenizer_config.json'), 'utf8')).toBe('{"fake": "tokenizer_config.json"}');
    }
    const manifest = JSON.parse(readFileSync(path.join(workDir, 'out', 'tokens', 'tokens.json'), 'utf8'));
    expect(manifest).toMatchObject({ train: { tokens: 50 }, val: { tokens: 50 }, documentSeparator: { token: '<|endoftext|>', id: 0 }, tokenizer: { hash: 'sha256:fake', source: 'trained' } });
    expect(result.outputs['tokens']?.meta).toMatchObject({ trainTokens: 50, valTokens: 50, vocabSize: 300 });
    expect(ctx.progressUpdates.at(-1)?.fraction).toBe(1);
  });

  it("passes the corpus's recorded sources on in tokens.json and the tokens meta; a corpus without them gives none", async () => {
    const sources = [{ path: 'data/a.txt', sha256: 'a'.repeat(64) }, { url: 'https://example.com/b.txt', sha256: 'b'.repeat(64) }];
    const { ctx, workDir } = freshContext({ kind: 'char' }, fakeTokenizers().tokenizers, { format: 'crucible.corpus.v1', sources });
    const result = await tokenizerRun.run(ctx);
    expect(JSON.parse(readFileSync(path.join(workDir, 'out', 'tokens', 'tokens.json'), 'utf8')).sources).toEqual(sources);
    expect(result.outputs['tokens']?.meta?.['sources']).toEqual(sources);
    const older = freshContext({ kind: 'char' }, fakeTokenizers().tokenizers, { format: 'crucible.corpus.v1' });
    expect((await tokenizerRun.run(older.ctx)).outputs['tokens']?.meta?.['sources']).toEqual([]);
  });

  it('runs documents together when there are no special tokens', async () => {
    const { tokenizers, calls } = fakeTokenizers([]);
    await tokenizerRun.run(freshContext({ kind: 'char', specialTokens: [] }, tokenizers).ctx);
    expect(calls.encode.map((request) => request.separator)).toEqual([null, null]);
  });

  it('loads a pretrained tokenizer instead of training one', async () => {
    const { tokenizers, calls } = fakeTokenizers();
    await tokenizerRun.run(freshContext({ kind: 'pretrained', path: '/models/gpt2/tokenizer.json' }, tokenizers).ctx);
    expect(calls).toMatchObject({ train: [], loaded: ['/models/gpt2/tokenizer.json'] });
  });

  it('fails before any work for a bad config or a separator the pretrained tokenizer lacks', async () => {
    const { tokenizers, calls } = fakeTokenizers(['<s>', '</s>']);
    await expect(tokenizerRun.run(freshContext({ kind: 'bpe', vocabSize: 300, specialTokens: Array.from({ length: 50 }, (_, index) => `<${index}>`) }, tokenizers).ctx)).rejects.toThrow(/config.vocabSize \(300\) is smaller than the base alphabet .*use at least 306/);
    await expect(tokenizerRun.run(freshContext({ kind: 'pretrained' }, tokenizers).ctx)).rejects.toThrow(/config.path is empty/);
    await expect(tokenizerRun.run(freshContext({ kind: 'pretrained', path: '/x/tokenizer.json' }, tokenizers).ctx)).rejects.toThrow(/specialTokens\[0\] "<\|endoftext\|>" .*set specialTokens to one of \["<s>","<\/s>"\], or to \[\]/);
    expect(calls.encode).toEqual([]);
  });
});

describe('tokenizer node fingerprint', () => {
  it('follows the content of a pretrained tokenizer.json and its config, and is empty for trained kinds', async () => {
    const folder = path.join(workRoot, 'fingerprint');
    mkdirSync(folder, { recursive: true });
    const tokenizerJsonPath = path.join(folder, 'tokenizer.json');
    writeFileSync(tokenizerJsonPath, '{"version": "1"}');
    const fingerprint = (kind: 'pretrained' | 'bpe') => tokenizerRun.fingerprint!({ nodeId: 'tok', config: tokenizerConfig.parse({ kind, path: tokenizerJsonPath }), pipelineDir: null, dataDir: folder, signal: new AbortController().signal });
    const first = await fingerprint('pretrained');
    writeFileSync(path.join(folder, 'tokenizer_config.json'), '{}');
    const withConfig = await fingerprint('pretrained');
    writeFileSync(tokenizerJsonPath, '{"version": "2"}');
    expect(new Set([first, withConfig, await fingerprint('pretrained')]).size).toBe(3);
    expect(await fingerprint('bpe')).toBe('');
  });
});
