// Studio polish in a real browser (issue 19, defect 10) at 1440×900: every gallery template fits at a readable
// zoom, handles are big enough to hit, Shift+click adds to the selection, the minimap steps aside while the run panel
// is open, and the playground shows its last row. Screenshots go to test-output/.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PIPELINE_TEMPLATES } from '../../renderer/src/palette/templates.ts';
import { chromiumAvailable, openAndRun, openConnectedStudio, OUTPUT_DIR, SHAKESPEARE, tinyCharPipeline, type StudioSession } from './studio-harness.ts';

const RUN_TIMEOUT_MS = 120_000;
/** Below this zoom a node's 11 px port names shrink under 8 px: too small to read. */
const READABLE_ZOOM = 0.7;

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** The canvas zoom, read from React Flow's viewport transform once the fit has settled. */
async function settledZoom(page: Page): Promise<number> {
  const read = () => page.locator('.react-flow__viewport').evaluate((element) => new DOMMatrixReadOnly(getComputedStyle(element).transform).a);
  let last = Number.NaN;
  await expect.poll(async () => {
    const now = await read();
    const still = now === last;
    last = now;
    return still;
  }, { interval: 200 }).toBe(true);
  return last;
}

/** How many pixels of a chart's canvas are drawn in one line colour (uPlot draws on a canvas, not in the DOM). */
async function pixelsOfColour(page: Page, metric: string, rgb: [number, number, number]): Promise<number> {
  return page.locator(`.metric-chart[data-metric="${metric}"] canvas`).evaluate((canvas: HTMLCanvasElement, [r, g, b]) => {
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let index = 0; index < pixels.length; index += 4) {
      if (Math.abs(pixels[index]! - r) + Math.abs(pixels[index + 1]! - g) + Math.abs(pixels[index + 2]! - b) < 40 && pixels[index + 3]! > 200) count++;
    }
    return count;
  }, rgb);
}

async function openTemplate(page: Page, id: string): Promise<void> {
  await page.locator(`[data-template="${id}"]`).click();
  const dialog = page.getByRole('button', { name: /discard|don.t save|open anyway/i });
  if (await dialog.count()) await dialog.first().click();
}

describe.skipIf(!chromiumAvailable)('studio polish in a browser', () => {
  let studio: StudioSession;
  let page: Page;

  beforeAll(async () => {
    studio = await openConnectedStudio();
    page = studio.page;
  }, 120_000);

  afterAll(async () => {
    await studio?.close();
  });

  it('fits every gallery template whole at a readable zoom', async () => {
    for (const template of PIPELINE_TEMPLATES) {
      await openTemplate(page, template.id);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe((template.pipeline as { nodes: unknown[] }).nodes.length);
      const zoom = await settledZoom(page);
      if (template.id === 'bpe-distill-int4-api') await page.locator('.canvas').screenshot({ path: path.join(OUTPUT_DIR, 'polish-template-fit.png') });
      expect(zoom, `${template.id} fits at ${zoom.toFixed(2)}`).toBeGreaterThanOrEqual(READABLE_ZOOM);
      const pane = (await page.locator('.react-flow').boundingBox())!;
      for (const box of await Promise.all((await page.locator('.react-flow__node').all()).map((one) => one.boundingBox()))) {
        expect(box!.x).toBeGreaterThanOrEqual(pane.x - 1);
        expect(box!.x + box!.width).toBeLessThanOrEqual(pane.x + pane.width + 1);
        expect(box!.y).toBeGreaterThanOrEqual(pane.y - 1);
        expect(box!.y + box!.height).toBeLessThanOrEqual(pane.y + pane.height + 1);
      }
    }
  }, 60_000);

  it('draws handles big enough to hit and Shift+click adds a node to the selection', async () => {
    await openTemplate(page, 'char-shakespeare');
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(4);
    await settledZoom(page);
    // At the zoom the template opens at, each handle's target is still at least 12 px across.
    const hitArea = await page.locator('.port-handle').first().evaluate((element: HTMLElement) => {
      const box = element.getBoundingClientRect();
      const ring = getComputedStyle(element, '::after');
      const inset = -parseFloat(ring.top) * 2 * (box.width / element.offsetWidth);
      return Math.min(box.width, box.height) + inset;
    });
    expect(hitArea).toBeGreaterThanOrEqual(12);

    await node(page, 'data').locator('.node-header').click();
    await node(page, 'tok').locator('.node-header').click({ modifiers: ['Shift'] });
    await node(page, 'train').locator('.node-header').click({ modifiers: ['Shift'] });
    await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(3);
    await node(page, 'eval').locator('.node-header').click();
    await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(1);
  });

  it('hides the minimap while the run panel is open and brings it back when it closes', async () => {
    await expect(page.locator('.react-flow__minimap').count()).resolves.toBe(1);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await expect.poll(() => page.locator('.react-flow__minimap').count()).toBe(0);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await expect.poll(() => page.locator('.react-flow__minimap').count()).toBe(1);
  });

  it("shows the playground's last row inside the open panel", async () => {
    await page.getByRole('tab', { name: 'Serving' }).click();
    await page.locator('[data-serving-tab="playground"]').click();
    // A long conversation: the chat log scrolls inside itself and the message box and its buttons stay in view.
    await page.locator('.chat-log').evaluate((log) => {
      for (let index = 0; index < 40; index++) {
        const item = document.createElement('li');
        item.textContent = `assistant line ${index} of a long reply`;
        log.appendChild(item);
      }
    });
    const panel = (await page.locator('.run-body').boundingBox())!;
    for (const last of ['.chat-input button', '.stream-status button', '.sampling input >> nth=-1']) {
      const box = (await page.locator(`.run-body ${last}`).first().boundingBox())!;
      expect(box.y + box.height, `${last} inside the panel`).toBeLessThanOrEqual(panel.y + panel.height);
    }
    expect(await page.locator('.chat-log').evaluate((log) => log.scrollHeight > log.clientHeight)).toBe(true);
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'polish-playground.png') });
  });

  it('labels metrics apart from their values, draws a lone val-loss point, and lists logs in run order', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-polish-'));
    onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    const corpusFile = path.join(folder, 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 60_000));
    const pipelineFile = path.join(folder, 'tiny.crucible.json');
    // One evaluation, at the end: a single val-loss point.
    writeFileSync(pipelineFile, JSON.stringify(tinyCharPipeline('polish tiny run', corpusFile)));
    await openAndRun(page, pipelineFile, RUN_TIMEOUT_MS);

    // The node card: "tokens/s" then its value, with room between them.
    const tokensPerSec = node(page, 'train').locator('.node-metrics div', { hasText: 'tokens/s' });
    const [label, value] = await Promise.all([tokensPerSec.locator('dt').boundingBox(), tokensPerSec.locator('dd').boundingBox()]);
    expect(label!.x + label!.width).toBeLessThan(value!.x);
    expect(await tokensPerSec.locator('dd').textContent()).toMatch(/^[\d,]+(\.\d+)?$/);
    await node(page, 'train').screenshot({ path: path.join(OUTPUT_DIR, 'polish-node-metrics.png') });

    await page.getByRole('tab', { name: 'Charts' }).click();
    const valLoss = page.locator('.metric-chart[data-metric="val loss"]');
    await valLoss.waitFor();
    expect(await valLoss.getAttribute('data-points')).toBe('1');
    await expect.poll(() => pixelsOfColour(page, 'val loss', [0x5b, 0x7f, 0xd6])).toBeGreaterThan(10);
    expect(await page.locator('.u-legend').count()).toBe(0);
    expect(await page.locator('.metric-chart-frame', { has: valLoss }).locator('.chart-legend-item').textContent()).toMatch(/^train[\d.,]+ at step 8$/);
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'polish-charts.png') });

    await page.getByRole('tab', { name: 'Logs' }).click();
    expect(await page.locator('.logs select option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value))).toEqual(['data', 'tok', 'train']);
  }, RUN_TIMEOUT_MS + 30_000);

  it('asks before revoking an API key', async () => {
    await page.getByRole('tab', { name: 'Serving' }).click();
    await page.locator('[data-serving-tab="keys"]').click();
    await page.locator('[data-key-field="name"] input').fill('polish-app');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('[data-key-name="polish-app"]');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.getByRole('group').textContent()).toContain('cannot be undone');
    await page.locator('.run-panel').screenshot({ path: path.join(OUTPUT_DIR, 'polish-revoke-key.png') });
    await row.getByRole('button', { name: 'Keep it' }).click();
    expect(await row.locator('.badge').textContent()).toBe('active');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('revoked');
  });
});
