// The studio's data and model previews in a browser: a dataset's sources set in the list editor with path completion
// from the engine and the detected format; after a run (dataset → tokenizer with a tiny model's tokenizer → evaluate),
// the corpus's counts, documents and length histogram and the tokens' facts with a live tokenize box in the inspector,
// and in the artifacts tab the evaluation report rendered, the model's facts and card, and a file opened as JSON.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHubGpt2Folder } from '../../engine/ml/import/testing/hub-folder.ts';
import { chromiumAvailable, openConnectedStudio, OUTPUT_DIR, SHAKESPEARE, type StudioSession } from './studio-harness.ts';

const RUN_TIMEOUT_MS = 120_000;

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const inspector = (page: Page, id: string) => page.locator(`[data-inspecting="${id}"]`);

async function drop(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  await page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: at });
  await node(page, type).waitFor();
}

async function connect(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  // The tokenizer has an input and an output both named "tokenizer": pick the output's and the input's handle.
  const handle = (id: string, port: string, side: 'source' | 'target') => node(page, id).locator(`.react-flow__handle.${side}[data-handleid="${port}"]`);
  await handle(...from, 'source').dragTo(handle(...to, 'target'));
}

async function select(page: Page, id: string): Promise<void> {
  await node(page, id).locator('.node-header').click();
  await inspector(page, id).waitFor();
}

async function setField(page: Page, id: string, field: string, value: string): Promise<void> {
  await select(page, id);
  const input = inspector(page, id).locator(`[data-field="${field}"]`).locator('input, select').first();
  if ((await input.evaluate((element) => element.tagName)) === 'SELECT') await input.selectOption(JSON.stringify(value));
  else await input.fill(value);
}

async function shoot(page: Page, selector: string, name: string): Promise<void> {
  const file = path.join(OUTPUT_DIR, name);
  await page.locator(selector).first().screenshot({ path: file });
  expect(statSync(file).size).toBeGreaterThan(1000);
}

describe.skipIf(!chromiumAvailable)('data and models made visible in the studio', () => {
  let studio: StudioSession;
  let page: Page;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-preview-'));
    mkdirSync(path.join(workDir, 'corpus'));
    // Three plays' worth of documents, one per blank-line block, so the histogram has several lengths.
    writeFileSync(path.join(workDir, 'corpus', 'shakespeare-slice.txt'), readFileSync(SHAKESPEARE, 'utf8').slice(0, 40_000));
    writeHubGpt2Folder(path.join(workDir, 'tiny-gpt2'), { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 64 }, seed: 5 });
    studio = await openConnectedStudio();
    page = studio.page;
  }, 150_000);

  afterAll(async () => {
    await studio?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('edits sources as rows, completes a path from the engine and shows the format it will be read as', async () => {
    await drop(page, 'dataset', { x: 30, y: 60 });
    await drop(page, 'model', { x: 30, y: 300 });
    await drop(page, 'tokenizer', { x: 330, y: 60 });
    await drop(page, 'evaluate', { x: 630, y: 160 });
    await connect(page, ['dataset', 'corpus'], ['tokenizer', 'corpus']);
    await connect(page, ['model', 'tokenizer'], ['tokenizer', 'tokenizer']);
    await connect(page, ['model', 'model'], ['evaluate', 'model']);
    await connect(page, ['tokenizer', 'tokens'], ['evaluate', 'tokens']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);

    await select(page, 'dataset');
    const sources = inspector(page, 'dataset').locator('[data-field="sources"]');
    await sources.getByRole('button', { name: '+ Path' }).click();
    const pathInput = sources.getByLabel('Path');
    await pathInput.fill(`${workDir}/corpus/sha`);
    await expect.poll(() => sources.locator('datalist option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))).toEqual([`${workDir}/corpus/shakespeare-slice.txt`]);
    await pathInput.fill(`${workDir}/corpus/shakespeare-slice.txt`);
    await expect.poll(() => sources.locator('[data-source-format]').textContent()).toBe('format: text');
    await setField(page, 'dataset', 'documentSplit', 'blank-lines');
    await setField(page, 'dataset', 'minChars', '40');
    await select(page, 'dataset');
    await shoot(page, '[data-inspecting="dataset"] [data-field="sources"]', 'sources-editor.png');
  }, 90_000);

  it('runs, then shows the corpus and the tokens in the inspector, with typed text split into tokens', async () => {
    await setField(page, 'model', 'path', path.join(workDir, 'tiny-gpt2'));
    for (const [field, value] of Object.entries({ evalBatches: '1', batchSize: '2', samples: '1', maxNewTokens: '8', device: 'cpu' })) await setField(page, 'evaluate', field, value);
    await expect.poll(() => page.locator('.node-problems').count()).toBe(0);
    await page.locator('[data-command="run.run"]').click();
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });

    // The run panel would cover the inspector's lower half in the screenshots; the artifacts tab opens it again.
    const timeline = page.getByRole('tab', { name: 'Timeline' });
    await timeline.click();
    if ((await timeline.getAttribute('aria-selected')) === 'true') await timeline.click();
    await select(page, 'dataset');
    const corpus = inspector(page, 'dataset').locator('[data-node-output="corpus"]');
    await corpus.locator('summary').click();
    const preview = corpus.locator('[data-preview="corpus"]');
    await preview.waitFor();
    expect(await preview.getByLabel('Corpus counts').textContent()).toMatch(/Documents[\d,]+ train, [\d,]+ val/);
    expect(await preview.locator('.histogram-row').count()).toBeGreaterThan(1);
    expect(await preview.locator('.sample-documents li').count()).toBe(5);
    expect(await preview.locator('.sample-documents pre').first().textContent()).toContain('First Citizen');
    await shoot(page, '[data-inspecting="dataset"] [data-node-output="corpus"]', 'data-preview.png');

    await select(page, 'tokenizer');
    const tokens = inspector(page, 'tokenizer').locator('[data-node-output="tokens"]');
    await tokens.locator('summary').click();
    await tokens.locator('[data-preview="tokens"]').waitFor();
    expect(await tokens.getByLabel('Tokenizer facts').textContent()).toContain('Vocabulary300');
    expect(await tokens.getByLabel('Most frequent tokens').locator('tbody tr').count()).toBeGreaterThan(5);
    await tokens.getByLabel('Try the tokenizer').fill('hello world');
    await expect.poll(() => tokens.locator('.token-strip .token-text').allTextContents().then((parts) => parts.join(''))).toBe('hello␣world');
    const ids = await tokens.locator('.token-strip .token').evaluateAll((spans) => spans.map((span) => Number(span.getAttribute('data-token-id'))));
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 300)).toBe(true);
    await shoot(page, '[data-inspecting="tokenizer"] [data-node-output="tokens"]', 'tokenizer-preview.png');
  }, RUN_TIMEOUT_MS + 60_000);

  it('opens outputs in the artifacts tab: the report rendered, the model facts and card, files with sizes and a JSON file', async () => {
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    const reportRow = page.locator('[data-artifact="evaluate.report"]');
    await reportRow.getByRole('button', { name: 'Open' }).click();
    const report = page.locator('[data-output="evaluate.report"]');
    await report.locator('[data-preview="report"] .markdown-table').waitFor();
    expect(await report.locator('.markdown-table').first().textContent()).toContain('perplexity');
    expect(await report.locator('.markdown h3').first().textContent()).toBe('Evaluation');
    expect(await report.locator('.file-list').textContent()).toContain('report.md');
    await report.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await shoot(page, '.run-panel', 'report-preview.png');

    await page.locator('[data-artifact="model.model"]').getByRole('button', { name: 'Open' }).click();
    const model = page.locator('[data-output="model.model"]');
    await model.getByLabel('Model facts').waitFor();
    expect(await model.getByLabel('Model facts').textContent()).toContain('Decoders');
    await model.getByRole('button', { name: 'config.json', exact: true }).click();
    await model.locator('[data-file-preview="config.json"] .file-json').waitFor();
    expect(JSON.parse((await model.locator('[data-file-preview="config.json"] pre').textContent()) ?? '')).toMatchObject({ model_type: 'gpt2', vocab_size: 300 });
    await model.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await shoot(page, '.run-panel', 'model-preview.png');
  }, 60_000);
});
