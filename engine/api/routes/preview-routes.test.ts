// The preview routes over a real run: dataset → tokenizer (with a tiny hub model's tokenizer) → evaluate, then each
// output's files, file text, preview and tokenize as the studio calls them; and the folder listing's rules.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, TOKEN_HEADER } from '../../../app/protocol/engine-api.ts';
import type { CorpusPreview, FolderListing, ModelPreview, OutputFileText, OutputFiles, ReportPreview, TokenizedText, TokensPreview } from '../../../app/protocol/preview-api.ts';
import { Engine } from '../../engine.ts';
import { fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { writeHubGpt2Folder } from '../../ml/import/testing/hub-folder.ts';
import { createEngineServer, type EngineServer } from '../engine-server.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-preview-routes-'));
let engine: Engine;
let server: EngineServer;
let runId: string;

const documents = ['the cat sat on the mat', 'a dog ran in the fog', 'the cat sat on the mat', 'x', 'rain on the plain in spain', 'tea for two and two for tea'];

beforeAll(async () => {
  writeFileSync(path.join(workDir, 'docs.jsonl'), documents.map((text) => JSON.stringify({ text })).join('\n'));
  writeHubGpt2Folder(path.join(workDir, 'base'), { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 64 }, seed: 3 });
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
  server = createEngineServer({ engine, token: 't', port: 4568 });
  const pipeline = fixturePipeline(
    [
      { id: 'docs', type: 'dataset', config: { sources: [{ path: 'docs.jsonl' }], valFraction: 0.2, minChars: 2 } },
      { id: 'base', type: 'model', config: { path: 'base' } },
      { id: 'tok', type: 'tokenizer', config: {} },
      { id: 'eval', type: 'evaluate', config: { evalBatches: 1, batchSize: 1, samples: 1, maxNewTokens: 4, device: 'cpu' } },
    ],
    ['docs.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer', 'base.model->eval.model', 'tok.tokens->eval.tokens'],
  );
  runId = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') }).runId;
  const finished = await engine.finished(runId);
  expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
}, 60_000);
afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  server.app.inject({ method, url, payload: payload as object, headers: { host: '127.0.0.1:4568', [TOKEN_HEADER]: 't' } });
const output = (route: string, nodeId: string, port: string) => route.replace(':runId', runId).replace(':nodeId', nodeId).replace(':port', port);

describe('output previews', () => {
  it('lists an output\'s files with sizes and reads one as text, never a name outside it', async () => {
    const files = (await call('GET', output(ROUTES.outputFiles, 'docs', 'corpus'))).json<OutputFiles>();
    expect(files.files.map((file) => file.name)).toEqual(['artifact.json', 'stats.json', 'train.idx', 'train.txt', 'val.idx', 'val.txt']);
    expect(files.totalBytes).toBe(files.files.reduce((sum, file) => sum + file.bytes, 0));
    const stats = (await call('GET', `${output(ROUTES.outputFile, 'docs', 'corpus')}?name=stats.json`)).json<OutputFileText>();
    expect(stats.kind).toBe('json');
    expect(JSON.parse(stats.text)).toMatchObject({ duplicates: { exact: 1 } });
    expect((await call('GET', `${output(ROUTES.outputFile, 'docs', 'corpus')}?name=train.idx`)).json<OutputFileText>().kind).toBe('binary');
    for (const name of ['../../pipeline.crucible.json', '/etc/passwd', 'a//b']) {
      expect((await call('GET', `${output(ROUTES.outputFile, 'docs', 'corpus')}?name=${encodeURIComponent(name)}`)).statusCode).toBe(400);
    }
    expect((await call('GET', `${output(ROUTES.outputFile, 'docs', 'corpus')}?name=absent.txt`)).statusCode).toBe(404);
    expect((await call('GET', output(ROUTES.outputFiles, 'docs', 'nope'))).statusCode).toBe(404);
    expect((await call('GET', output(ROUTES.outputFiles, 'ghost', 'corpus'))).statusCode).toBe(404);
  });

  it('previews the corpus: counts, what dedup and cleaning removed, sample documents and a length histogram', async () => {
    const preview = (await call('GET', output(ROUTES.outputPreview, 'docs', 'corpus'))).json<CorpusPreview>();
    expect(preview.kind).toBe('corpus');
    expect(preview.stats).toMatchObject({ documentsRead: 6, duplicatesRemoved: 1, documentsFiltered: 1, filtered: { tooShort: 1 } });
    const trainDocuments = preview.stats.train.documents;
    expect(preview.samples.length).toBe(Math.min(5, trainDocuments));
    for (const sample of preview.samples) expect(documents).toContain(sample.text);
    expect(preview.histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(trainDocuments);
  });

  it('previews the tokens: vocabulary, tokens per character, most frequent tokens; and tokenizes typed text', async () => {
    const preview = (await call('GET', output(ROUTES.outputPreview, 'tok', 'tokens'))).json<TokensPreview>();
    expect(preview).toMatchObject({ kind: 'tokens', vocabSize: 300 });
    expect(preview.tokensCounted).toBe(preview.trainTokens);
    expect(preview.tokensPerCharacter).toBeGreaterThan(0);
    expect(preview.tokensPerCharacter).toBeLessThanOrEqual(1);
    const counts = preview.topTokens.map((token) => token.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(preview.tokensCounted);
    const tokenized = (await call('POST', output(ROUTES.outputTokenize, 'tok', 'tokens'), { text: 'the cat' })).json<TokenizedText>();
    expect(tokenized.tokens.map((token) => token.text).join('')).toBe('the cat');
    expect(tokenized.characters).toBe(7);
    const viaTokenizer = (await call('POST', output(ROUTES.outputTokenize, 'base', 'tokenizer'), { text: 'the cat' })).json<TokenizedText>();
    expect(viaTokenizer.tokens).toEqual(tokenized.tokens);
    expect((await call('POST', output(ROUTES.outputTokenize, 'docs', 'corpus'), { text: 'x' })).statusCode).toBe(400);
    expect((await call('POST', output(ROUTES.outputTokenize, 'tok', 'tokens'), { text: 'x'.repeat(20_001) })).statusCode).toBe(400);
  });

  it('previews the outputs of a node served from the cache in a later run', async () => {
    const again = engine.startRun({ pipeline: engine.getRun(runId)!.pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') }).runId;
    const finished = await engine.finished(again);
    expect(finished?.nodes.docs?.cached).toBe(true);
    const preview = await call('GET', ROUTES.outputPreview.replace(':runId', again).replace(':nodeId', 'docs').replace(':port', 'corpus'));
    expect(preview.json<CorpusPreview>()).toMatchObject({ kind: 'corpus', stats: { documentsRead: 6 } });
  });

  it('previews the model: facts from its folder and its model card; and the evaluation report as markdown', async () => {
    const model = (await call('GET', output(ROUTES.outputPreview, 'base', 'model'))).json<ModelPreview>();
    expect(model.kind).toBe('model');
    expect(model.facts.find((fact) => fact.label === 'Vocabulary')?.value).toBe('300');
    expect(model.facts.find((fact) => fact.label === 'Decoders')?.value).toContain('float32');
    const report = (await call('GET', output(ROUTES.outputPreview, 'eval', 'report'))).json<ReportPreview>();
    expect(report.kind).toBe('report');
    expect(report.markdown).toMatch(/^# Evaluation/);
    expect(report.markdown).toContain('| perplexity |');
  });
});

describe('folder listing for path completion', () => {
  it('lists folders first, then files with their detected format, leaving out hidden and secret-looking entries', async () => {
    const folder = path.join(workDir, 'listing');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    for (const name of ['b.jsonl', 'a.txt', 'data.csv.gz', 'notes', '.hidden', 'id_rsa', '.env']) writeFileSync(path.join(folder, name), 'x');
    symlinkSync(path.join(folder, 'missing'), path.join(folder, 'broken-link'));
    const listing = (await call('GET', `${ROUTES.folderEntries}?path=listing&pipelinePath=${encodeURIComponent(path.join(workDir, 'p.crucible.json'))}`)).json<FolderListing>();
    expect(listing.folder).toBe(folder);
    expect(listing.entries).toEqual([
      { name: 'sub', kind: 'folder' },
      { name: 'a.txt', kind: 'file', bytes: 1, format: 'text' },
      { name: 'b.jsonl', kind: 'file', bytes: 1, format: 'jsonl' },
      { name: 'data.csv.gz', kind: 'file', bytes: 1, format: 'csv' },
      { name: 'notes', kind: 'file', bytes: 1, format: null },
    ]);
    expect(listing.hidden).toBe(1);
  });

  it('refuses a secret location and says so; a missing folder is a 404', async () => {
    const refused = await call('GET', `${ROUTES.folderEntries}?path=${encodeURIComponent('~/.ssh')}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('.ssh');
    expect((await call('GET', `${ROUTES.folderEntries}?path=${encodeURIComponent(path.join(workDir, 'absent'))}`)).statusCode).toBe(404);
  });
});
