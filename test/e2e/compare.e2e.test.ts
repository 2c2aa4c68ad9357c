// Runs compared and samples while training, in a real browser at 1440×900 (issue 19): a tiny char model trained
// twice with two learning rates writes a sample at each evaluation (the Samples tab lists them by step), then the
// Compare tab's runs table ticks both runs and shows their loss curves overlaid, the learning rate as the config
// difference and their final metrics side by side; the Charts tab shows the trainer's memory and CPU beside the
// inspector's estimate. Screenshots go to test-output/.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAndRun, openConnectedStudio, OUTPUT_DIR, SHAKESPEARE, tinyCharPipeline, type StudioSession } from './studio-harness.ts';

const RUN_TIMEOUT_MS = 120_000;

describe.skipIf(!chromiumAvailable)('compare runs and samples in a browser', () => {
  let studio: StudioSession | undefined;
  let page: Page;
  const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-compare-'));

  beforeAll(async () => {
    studio = await openConnectedStudio();
    page = studio.page;
  }, 120_000);

  afterAll(async () => {
    await studio?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('shows samples by step, then compares two runs: curves overlaid, the differing config, final metrics', async () => {
    const corpusFile = path.join(folder, 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 60_000));
    const [slow, fast] = [path.join(folder, 'slow.crucible.json'), path.join(folder, 'fast.crucible.json')];
    // Evaluated (and sampled) at steps 4 and 8.
    const train = (learningRate: number) => ({ evalInterval: 4, learningRate, samplePrompt: 'ROMEO:', sampleTokens: 16 });
    writeFileSync(slow, JSON.stringify(tinyCharPipeline('compare tiny runs', corpusFile, train(0.001))));
    writeFileSync(fast, JSON.stringify(tinyCharPipeline('compare tiny runs', corpusFile, train(0.01))));

    await openAndRun(page, slow, RUN_TIMEOUT_MS);
    await page.getByRole('tab', { name: 'Samples' }).click();
    const steps = page.locator('[data-samples-node="train"] [data-sample-step]');
    await expect.poll(() => steps.evaluateAll((items) => items.map((item) => item.getAttribute('data-sample-step')))).toEqual(['8', '4']);
    expect(await steps.first().locator('.sample-prompt').textContent()).toBe('ROMEO:');
    expect(((await steps.first().locator('.sample-text').textContent()) ?? '').length).toBeGreaterThan('ROMEO:'.length);
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'compare-samples.png') });

    // Resources beside the estimate: the trainer's process memory and CPU under the charts, with the inspector's figure.
    await page.getByRole('tab', { name: 'Charts' }).click();
    const resources = page.locator('[data-resource-node="train"]');
    await expect.poll(() => resources.textContent()).toMatch(/^train peak RSS \d+ MiB · estimated ≈ [\d.]+ [KMG]iB before the run$/);
    await expect.poll(() => page.locator('[data-resources] .metric-chart').count()).toBe(2);

    await openAndRun(page, fast, RUN_TIMEOUT_MS);
    await page.getByRole('tab', { name: 'Compare' }).click();
    const rows = page.locator('[data-run-row]');
    await expect.poll(() => rows.count()).toBe(2);
    for (const checkbox of await page.getByRole('checkbox', { name: /^Compare run / }).all()) await checkbox.check();

    const chart = page.locator('.compare-curves .metric-chart');
    await chart.waitFor();
    // Progress is throttled, but both evaluations (steps 4 and 8) of each run always reach the chart.
    await expect.poll(() => chart.getAttribute('data-points').then(Number)).toBeGreaterThanOrEqual(4);
    const learningRate = page.locator('[data-compare="config"] tr', { hasText: 'train.learningRate' });
    await expect.poll(() => learningRate.locator('td').allTextContents()).toEqual(['0.01', '0.001']);
    expect(await page.locator('[data-compare="config"] tbody tr').count()).toBe(1);
    const finalLoss = page.locator('[data-compare="metrics"] tr', { hasText: 'train · val loss' });
    expect(await finalLoss.locator('td').count()).toBe(2);
    expect(await finalLoss.locator('td.best').count()).toBe(1);

    await page.getByLabel('Filter by node').fill('nothing-like-this');
    await expect.poll(() => rows.count()).toBe(0);
    await page.getByLabel('Filter by node').fill('train');
    await expect.poll(() => rows.count()).toBe(2);
    // A taller panel for the screenshot, so the curves, the config difference and the metrics show at once.
    await page.addStyleTag({ content: '.run-panel.open .run-body { height: 760px; }' });
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'compare-runs.png') });
  }, 4 * RUN_TIMEOUT_MS);
});
