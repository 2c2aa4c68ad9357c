// The studio end to end, in a real browser against `crucible studio`: drag nodes from the palette, connect them,
// see a refused connection's reason, undo and redo, configure a tiny run in the inspector, run it to completion
// with per-node states and a loss chart, and save, reload and reopen the same graph. Screenshots go to
// test-output/. Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../engine-process.ts';
import { buildRenderer, chromiumAvailable, openStudio, type StudioSession } from './studio-harness.ts';

const OUTPUT_DIR = path.join(REPO_ROOT, 'test-output');
const SHAKESPEARE = path.resolve(REPO_ROOT, '../shared/data/tinyshakespeare.txt');
const RUN_TIMEOUT_MS = 150_000;

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const handle = (page: Page, id: string, port: string) => node(page, id).locator(`.react-flow__handle[data-handleid="${port}"]`);

async function dropFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  await page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: at });
  await node(page, type).waitFor();
}

async function connect(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  await handle(page, ...from).dragTo(handle(page, ...to));
}

async function setField(page: Page, nodeId: string, field: string, value: string): Promise<void> {
  await node(page, nodeId).locator('.node-header').click();
  await page.locator(`[data-inspecting="${nodeId}"]`).waitFor();
  const input = page.locator(`[data-inspecting="${nodeId}"] [data-field="${field}"]`).locator('input, textarea, select').first();
  if ((await input.evaluate((element) => element.tagName)) === 'SELECT') await input.selectOption(JSON.stringify(value));
  else await input.fill(value);
}

async function saveByShortcut(page: Page): Promise<string> {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  const download = page.waitForEvent('download');
  await page.keyboard.press('Control+s');
  return readFileSync(await (await download).path(), 'utf8');
}

async function screenshot(page: Page, name: string, selector: string): Promise<string> {
  const file = path.join(OUTPUT_DIR, name);
  await page.locator(selector).screenshot({ path: file });
  expect(statSync(file).size).toBeGreaterThan(1000);
  return file;
}

describe.skipIf(!chromiumAvailable)('the studio in a browser', () => {
  let studio: StudioSession;
  let page: Page;
  let corpusFile: string;

  beforeAll(async () => {
    buildRenderer();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    // A slice of tiny Shakespeare keeps tokenizing and training to a few seconds.
    corpusFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-corpus-')), 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 120_000));
    studio = await openStudio();
    page = studio.page;
    await page.goto(studio.link);
    await page.locator('.connection-live').waitFor({ timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await studio?.close();
  });

  it('takes the token from the one-time link and removes the code from the address bar', () => {
    expect(page.url()).not.toContain('code=');
  });

  it('builds a pipeline by dragging and connecting, refuses a wrong connection with its reason, and undoes and redoes', async () => {
    await dropFromPalette(page, 'dataset', { x: 30, y: 60 });
    await dropFromPalette(page, 'tokenizer', { x: 270, y: 60 });
    await dropFromPalette(page, 'pretrain', { x: 530, y: 30 });
    await dropFromPalette(page, 'evaluate', { x: 530, y: 220 });
    await connect(page, ['dataset', 'corpus'], ['tokenizer', 'corpus']);
    await connect(page, ['tokenizer', 'tokens'], ['pretrain', 'tokens']);
    await connect(page, ['pretrain', 'model'], ['evaluate', 'tokens']);
    await expect.poll(() => page.locator('.toast').textContent()).toContain('Model cannot connect to Tokens');
    await connect(page, ['pretrain', 'model'], ['evaluate', 'model']);
    await connect(page, ['tokenizer', 'tokens'], ['evaluate', 'tokens']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);

    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    await screenshot(page, 'studio-canvas.png', '.workspace');
  }, 90_000);

  it('runs a tiny config set in the inspector to completion, with node states and a loss chart', async () => {
    await setField(page, 'dataset', 'sources', JSON.stringify([{ path: corpusFile }]));
    await setField(page, 'tokenizer', 'kind', 'char');
    for (const [field, value] of Object.entries({ nLayer: '1', nHead: '2', nEmbd: '32', blockSize: '32', batchSize: '4', maxSteps: '8', evalInterval: '4', evalBatches: '2', warmupSteps: '2', checkpointInterval: '8', device: 'cpu' })) {
      await setField(page, 'pretrain', field, value);
    }
    for (const [field, value] of Object.entries({ evalBatches: '2', samples: '1', maxNewTokens: '16', device: 'cpu' })) await setField(page, 'evaluate', field, value);
    await expect(page.locator('.node-problems').count()).resolves.toBe(0);

    await page.locator('[data-command="run.run"]').click();
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });
    for (const id of ['dataset', 'tokenizer', 'pretrain', 'evaluate']) {
      expect(await node(page, id).locator('.badge').textContent()).toBe('succeeded');
    }
    await page.getByRole('tab', { name: 'Charts' }).click();
    const lossChart = page.locator('.metric-chart[data-metric="train loss"]');
    await lossChart.waitFor();
    expect(Number(await lossChart.getAttribute('data-points'))).toBeGreaterThan(0);
    await screenshot(page, 'studio-run-panel.png', '.run-panel');
    await page.getByRole('tab', { name: 'Serving' }).click();
    await page.locator('.serving').waitFor();
    await screenshot(page, 'studio-serving-panel.png', '.run-panel');
  }, RUN_TIMEOUT_MS + 60_000);

  it('saves, reloads, reopens the file and gets the same graph', async () => {
    const saved = await saveByShortcut(page);
    expect(JSON.parse(saved).nodes.map((n: { id: string }) => n.id)).toEqual(['dataset', 'tokenizer', 'pretrain', 'evaluate']);
    const savedFile = path.join(OUTPUT_DIR, 'studio-saved.crucible.json');
    writeFileSync(savedFile, saved);

    await page.reload();
    await page.locator('.connection-live').waitFor({ timeout: 30_000 });
    expect(await page.locator('.react-flow__node').count()).toBe(0);
    const chooser = page.waitForEvent('filechooser');
    await page.locator('[data-command="file.open"]').click();
    await (await chooser).setFiles(savedFile);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    expect(await saveByShortcut(page)).toBe(saved);
  }, 60_000);
});
