// Nothing lost on reload, in a real browser against `crucible studio` (issue 19, defects 3, 4, 7 and 9's token):
// a reload mid-run brings back the canvas (the draft) and re-attaches the running run (states, chart, logs go on);
// a new tab and the used link opened again connect through the open tab; a new document and a freshly added node
// show no state of the old run; History › Open shows the run's graph; a cached node's chart is its maker run's.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openConnectedStudio, OUTPUT_DIR, setPathSources, SHAKESPEARE, type StudioSession } from './studio-harness.ts';

const RUN_TIMEOUT_MS = 150_000;

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const badge = (page: Page, id: string) => node(page, id).locator('.badge');

async function dropFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  await page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: at });
  await node(page, type).waitFor();
}

/** dataset → tokenizer (char) → pretrain, long enough to be running when the page reloads and short enough for a
 * loaded CI machine. Written as a file so the test does not depend on how the inspector edits each field. 10,000
 * steps take 10–20 s on a busy 2-core machine; 2,000 could end on a fast one before the reloaded page re-attached. */
function trainingPipelineFile(folder: string, corpusFile: string): string {
  const at = (x: number) => ({ position: { x, y: 80 } });
  const pretrain = { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 10_000, evalInterval: 1000, evalBatches: 1, warmupSteps: 2, checkpointInterval: 10_000, device: 'cpu' };
  const pipeline = {
    format: 'crucible.pipeline',
    version: 1,
    name: 'Reload test',
    nodes: [
      { id: 'dataset', type: 'dataset', typeVersion: 1, config: { sources: [{ path: corpusFile }] }, ui: at(40) },
      { id: 'tokenizer', type: 'tokenizer', typeVersion: 1, config: { kind: 'char' }, ui: at(340) },
      { id: 'pretrain', type: 'pretrain', typeVersion: 1, config: pretrain, ui: at(640) },
    ],
    edges: [
      { id: 'e1', from: { node: 'dataset', port: 'corpus' }, to: { node: 'tokenizer', port: 'corpus' } },
      { id: 'e2', from: { node: 'tokenizer', port: 'tokens' }, to: { node: 'pretrain', port: 'tokens' } },
    ],
  };
  const file = path.join(folder, 'reload.crucible.json');
  writeFileSync(file, JSON.stringify(pipeline, null, 2));
  return file;
}

async function chartPoints(page: Page): Promise<number> {
  const chart = page.locator('.metric-chart[data-metric="train loss"]');
  return (await chart.count()) === 0 ? 0 : Number(await chart.getAttribute('data-points'));
}

describe.skipIf(!chromiumAvailable)('nothing lost on reload', () => {
  let studio: StudioSession;
  let page: Page;
  let workDir = '';
  let corpusFile: string;

  beforeAll(async () => {
    // The corpus and the pipeline file, removed when the suite ends.
    workDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-reload-'));
    corpusFile = path.join(workDir, 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 60_000));
    // New and History › Open ask before replacing unsaved work; the test says yes.
    studio = await openConnectedStudio((opened) => opened.on('dialog', (dialog) => void dialog.accept().catch(() => undefined)));
    page = studio.page;
  }, 120_000);

  afterAll(async () => {
    await studio?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('reloads mid-run: the canvas comes back and the run re-attaches, its chart and logs going on', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.locator('[data-command="file.open"]').click();
    await (await chooser).setFiles(trainingPipelineFile(workDir, corpusFile));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await page.locator('[data-command="run.run"]').click();
    // A started run shows its timeline; the charts are one click away once it has begun.
    await page.locator('.run-caption .badge-running').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Charts' }).click();
    await expect.poll(() => chartPoints(page), { timeout: RUN_TIMEOUT_MS }).toBeGreaterThan(1);

    await page.reload();
    await page.locator('.connection-live').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(3);
    // React Flow draws an edge only once both its nodes are measured, a frame or more after the nodes appear.
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await expect.poll(() => badge(page, 'pretrain').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByRole('tab', { name: 'Charts' }).click();
    // The stored points come back at once, and the live ones keep coming.
    await expect.poll(() => chartPoints(page), { timeout: 30_000 }).toBeGreaterThan(1);
    const afterReload = await chartPoints(page);
    await expect.poll(() => chartPoints(page), { timeout: RUN_TIMEOUT_MS }).toBeGreaterThan(afterReload);
    if (await page.locator('.run-caption .badge-running').count()) await page.locator('.studio').screenshot({ path: path.join(OUTPUT_DIR, 'reload-reattached.png') });
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByLabel('Node whose logs to show').selectOption('pretrain');
    await expect.poll(async () => (await page.locator('.log-lines span').count()) > 0).toBe(true);
  }, RUN_TIMEOUT_MS * 2 + 60_000);

  it('connects a new tab and the used link opened again through the open tab', async () => {
    const origin = new URL(studio.link).origin;
    const newTab = await studio.context.newPage();
    await newTab.goto(`${origin}/`);
    await newTab.locator('.connection-live').waitFor({ timeout: 30_000 });
    // A new tab starts from the latest draft of any tab.
    await expect.poll(() => newTab.locator('.react-flow__node').count()).toBe(3);
    await newTab.close();

    const again = await studio.context.newPage();
    await again.goto(studio.link);
    await again.locator('.connection-live').waitFor({ timeout: 30_000 });
    expect(again.url()).not.toContain('code=');
    expect(await again.evaluate(() => window.location.href + document.cookie)).not.toMatch(/token|code=/);
    await again.close();
  }, 90_000);

  it('shows no state of the run on another document or on a freshly added node', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await dropFromPalette(page, 'deploy', { x: 300, y: 330 });
    expect(await badge(page, 'deploy').count()).toBe(0);
    expect(await badge(page, 'pretrain').textContent()).toBe('succeeded');

    await page.keyboard.press('Alt+n');
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
    await dropFromPalette(page, 'dataset', { x: 30, y: 60 });
    await dropFromPalette(page, 'pretrain', { x: 330, y: 60 });
    expect(await page.locator('.react-flow__node .badge').count()).toBe(0);
  }, 60_000);

  it('opens a past run from History with its graph, and a rerun shows the cached node’s chart from that run', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    await page.locator('.history tr', { hasText: 'succeeded' }).first().getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(3);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    expect(await badge(page, 'pretrain').textContent()).toBe('succeeded');
    const madeBy = (await page.locator('.run-caption code').textContent())!;

    await page.locator('[data-command="run.run"]').click();
    await expect.poll(() => page.locator('.run-caption code').textContent(), { timeout: 30_000 }).not.toBe(madeBy);
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });
    expect(await badge(page, 'pretrain').textContent()).toBe('cached');
    await page.getByRole('tab', { name: 'Charts' }).click();
    await expect.poll(() => chartPoints(page), { timeout: 30_000 }).toBeGreaterThan(1);
    expect(await page.locator(`.cached-from [data-cached-from="${madeBy}"]`).textContent()).toContain('came from the cache');
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'cached-from-run.png') });
  }, RUN_TIMEOUT_MS + 30_000);
});
