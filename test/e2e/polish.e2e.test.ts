// Studio polish in a real browser (issue 19, defect 10) at 1440×900: every gallery template fits at a readable
// zoom, handles are big enough to hit, Shift+click adds to the selection, the minimap steps aside while the run panel
// is open, and the playground shows its last row. Screenshots go to test-output/.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_TEMPLATES } from '../../renderer/src/palette/templates.ts';
import { REPO_ROOT } from '../engine-process.ts';
import { buildRenderer, chromiumAvailable, openStudio, type StudioSession } from './studio-harness.ts';

const OUTPUT_DIR = path.join(REPO_ROOT, 'test-output');
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

async function openTemplate(page: Page, id: string): Promise<void> {
  await page.locator(`[data-template="${id}"]`).click();
  const dialog = page.getByRole('button', { name: /discard|don.t save|open anyway/i });
  if (await dialog.count()) await dialog.first().click();
}

describe.skipIf(!chromiumAvailable)('studio polish in a browser', () => {
  let studio: StudioSession;
  let page: Page;

  beforeAll(async () => {
    buildRenderer();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    studio = await openStudio();
    page = studio.page;
    await page.goto(studio.link);
    await page.locator('.connection-live').waitFor({ timeout: 30_000 });
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
});
