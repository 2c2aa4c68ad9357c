// The studio end to end, in a real browser against `crucible studio`: drag nodes from the palette, connect them,
// see a refused connection's reason, undo and redo, configure a tiny run in the inspector, run it to completion
// with per-node states and a loss chart, save, reload and reopen the same graph, then deploy the model (autoscaling
// up to 2 replicas) behind an API endpoint, see it healthy with its replicas, create a key and chat with it in the
// playground; then open the "Fine-tune a model on your text" template, point its model node at a tiny GPT-2 folder
// in the hub's layout, and run model → tokenizer → finetune (LoRA, a few steps) → evaluate to success, with the
// imported model's facts in the inspector. Screenshots go to test-output/.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { writeHubGpt2Folder } from '../../engine/ml/import/testing/hub-folder.ts';
import { chromiumAvailable, openConnectedStudio, OUTPUT_DIR, setPathSources, SHAKESPEARE, type StudioSession } from './studio-harness.ts';

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

async function anyVisible(locator: Locator): Promise<boolean> {
  for (const match of await locator.all()) if (await match.isVisible()) return true;
  return false;
}

/** Saves a screenshot of `selector` after checking that something matching each of `expectedVisible` is visible in it. */
async function screenshot(page: Page, name: string, selector: string, expectedVisible: string[]): Promise<string> {
  const region = page.locator(selector);
  for (const inside of expectedVisible) expect(await anyVisible(region.locator(inside)), `${inside} visible in ${selector}`).toBe(true);
  const file = path.join(OUTPUT_DIR, name);
  await region.screenshot({ path: file });
  expect(statSync(file).size).toBeGreaterThan(1000);
  return file;
}

/** Waits until the element stops moving (a layout and the fit-view animation after it), so a screenshot is sharp. */
async function waitUntilStill(locator: Locator): Promise<void> {
  let last = '';
  await expect
    .poll(async () => {
      const now = JSON.stringify(await locator.boundingBox());
      const still = now === last;
      last = now;
      return still;
    }, { interval: 150 })
    .toBe(true);
}

async function showServingTab(page: Page, tab: 'endpoints' | 'keys' | 'usage' | 'playground'): Promise<void> {
  await page.locator(`[data-serving-tab="${tab}"]`).click();
}

describe.skipIf(!chromiumAvailable)('the studio in a browser', () => {
  let studio: StudioSession;
  let page: Page;
  let corpusFile: string;

  beforeAll(async () => {
    // A slice of tiny Shakespeare keeps tokenizing and training to a few seconds.
    corpusFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-corpus-')), 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 120_000));
    studio = await openConnectedStudio();
    page = studio.page;
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
    await screenshot(page, 'studio-canvas.png', '.workspace', ['.react-flow__node[data-id="pretrain"]', '.react-flow__edge-path', '.react-flow__minimap']);
  }, 90_000);

  it('runs a tiny config set in the inspector to completion, with node states and a loss chart', async () => {
    await setPathSources(page, 'dataset', [corpusFile]);
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
    await screenshot(page, 'studio-run-panel.png', '.run-panel', ['.metric-chart[data-metric="train loss"] canvas', '.run-caption .badge-succeeded']);
  }, RUN_TIMEOUT_MS + 60_000);

  it('saves, reloads, reopens the file and gets the same graph', async () => {
    const saved = await saveByShortcut(page);
    expect(JSON.parse(saved).nodes.map((n: { id: string }) => n.id)).toEqual(['dataset', 'tokenizer', 'pretrain', 'evaluate']);
    const savedFile = path.join(OUTPUT_DIR, 'studio-saved.crucible.json');
    writeFileSync(savedFile, saved);

    await page.reload();
    await page.locator('.connection-live').waitFor({ timeout: 30_000 });
    // The draft brings the saved graph back after the reload (reload.e2e.test.ts covers drafts); start empty to open the file.
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(4);
    await page.keyboard.press('Alt+n');
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
    const chooser = page.waitForEvent('filechooser');
    await page.locator('[data-command="file.open"]').click();
    await (await chooser).setFiles(savedFile);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    expect(await saveByShortcut(page)).toBe(saved);
  }, 60_000);

  it('deploys the model behind an API endpoint, shows it healthy, creates a key and streams a chat reply', async () => {
    await dropFromPalette(page, 'deploy', { x: 40, y: 420 });
    await dropFromPalette(page, 'api-endpoint', { x: 330, y: 420 });
    await connect(page, ['pretrain', 'model'], ['deploy', 'model']);
    await connect(page, ['deploy', 'deployment'], ['api-endpoint', 'deployments']);
    await setField(page, 'deploy', 'device', 'cpu');
    await setField(page, 'deploy', 'maxReplicas', '2');
    await setField(page, 'api-endpoint', 'port', '0');
    // No cors entry: the health light and the chat reach the endpoint through the engine's relay.
    await expect(page.locator('.node-problems').count()).resolves.toBe(0);

    await page.locator('[data-command="run.run"]').click();
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });
    expect(await node(page, 'pretrain').locator('.badge').textContent()).toBe('cached');
    await page.getByRole('tab', { name: 'Serving' }).click();
    const endpoint = page.locator('.service[data-kind="api-endpoint"]');
    await page.locator('.service[data-kind="api-endpoint"][data-health="ok"]').waitFor({ timeout: 30_000 });
    expect(await endpoint.locator('.service-url code').textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(await page.locator('.service[data-kind="deployment"] .service-placement').textContent()).toMatch(/^runs on CPU · float32 · 1 replica · batch \d+$/);
    expect(await page.locator('.service[data-kind="deployment"] [data-replicas-summary]').textContent()).toBe('1 replica of 1–2');
    await endpoint.locator('.snippet summary', { hasText: 'curl' }).click();
    expect(await endpoint.locator('.snippet pre').first().textContent()).toContain('"crucible-model"');
    await screenshot(page, 'studio-serving-panel.png', '.run-panel', ['.service[data-kind="api-endpoint"] .health-ok', '.snippet pre']);

    await showServingTab(page, 'keys');
    await page.locator('[data-key-field="name"] input').fill('e2e-app');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await page.locator('.created-key [data-secret]').textContent()).toMatch(/^sk-/);
    await page.getByRole('button', { name: 'Use in playground' }).click();

    await page.getByLabel('max_tokens').fill('8');
    // Greedy: a model trained for a few steps that samples its end-of-text token first would answer nothing.
    await page.getByLabel('temperature').fill('0');
    await page.getByLabel('Message').fill('Hi');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.stream-status [data-finish]').waitFor({ timeout: 30_000 });
    expect(await page.locator('.stream-status [role="alert"]').count()).toBe(0);
    expect((await page.locator('.chat-log [data-role="assistant"] .chat-text').textContent())!.length).toBeGreaterThan(0);
    await screenshot(page, 'studio-playground.png', '.run-panel', ['.chat-log [data-role="assistant"]', '.playground-settings']);

    // The usage log is written in short batches: ask again until the request shows.
    await expect
      .poll(
        async () => {
          await showServingTab(page, 'usage');
          return page.locator('.usage-table tr', { hasText: 'e2e-app' }).count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    await page.getByRole('radio', { name: 'tokens per day' }).click();
    await screenshot(page, 'studio-usage.png', '.run-panel', ['.usage-chart canvas', '.usage-table']);

    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+L');
    await waitUntilStill(node(page, 'api-endpoint'));
    await screenshot(page, 'studio-pipeline.png', '.workspace', ['.react-flow__node[data-id="api-endpoint"] .badge-succeeded', '.react-flow__node[data-id="pretrain"] .badge-cached']);
    await screenshot(page, 'studio-window.png', '.studio', ['.palette', '.react-flow__node[data-id="deploy"]', '.usage-table']);
  }, RUN_TIMEOUT_MS + 60_000);

  it('runs the fine-tune template on an imported model: model → tokenizer → finetune (LoRA) → evaluate', async () => {
    // A GPT-2 in the hub's layout (BF16, prefix-less names, its own byte-level BPE), small enough to train in seconds.
    const modelRoot = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-model-'));
    onTestFinished(() => rmSync(modelRoot, { recursive: true, force: true }));
    const modelFolder = path.join(modelRoot, 'tiny-gpt2');
    writeHubGpt2Folder(modelFolder, { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 64 }, seed: 11, dtype: 'BF16', prefixed: false });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('[data-template="finetune-text"]').click();
    await node(page, 'finetune').waitFor();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);

    await setField(page, 'base', 'path', modelFolder);
    await setPathSources(page, 'data', [corpusFile]);
    for (const [field, value] of Object.entries({ blockSize: '32', batchSize: '4', maxSteps: '6', evalInterval: '3', evalBatches: '2', warmupSteps: '1', checkpointInterval: '6', device: 'cpu' })) {
      await setField(page, 'finetune', field, value);
    }
    for (const [field, value] of Object.entries({ evalBatches: '2', samples: '1', maxNewTokens: '8', device: 'cpu' })) await setField(page, 'eval', field, value);
    await expect(page.locator('.node-problems').count()).resolves.toBe(0);

    await page.locator('[data-command="run.run"]').click();
    // The caption still shows the deploy run's success until this run starts: wait for this run's last node.
    await page.locator('.react-flow__node[data-id="eval"] .badge-succeeded, .react-flow__node .badge-failed').first().waitFor({ timeout: RUN_TIMEOUT_MS });
    expect(await page.locator('.react-flow__node .node-run-error').allTextContents()).toEqual([]);
    await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: RUN_TIMEOUT_MS });
    for (const id of ['base', 'data', 'tok', 'finetune', 'eval']) expect(await node(page, id).locator('.badge').textContent()).toBe('succeeded');

    await node(page, 'base').locator('.node-header').click();
    const facts = page.locator('[data-inspecting="base"] [aria-label="From the last run"]');
    await facts.waitFor();
    expect(await facts.textContent()).toContain('GPT2LMHeadModel');
    expect(await facts.textContent()).toContain('64 tokens');
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+L');
    await waitUntilStill(node(page, 'eval'));
    await screenshot(page, 'studio-finetune.png', '.workspace', ['.react-flow__node[data-id="finetune"] .badge-succeeded', '.react-flow__node[data-id="base"]']);
  }, RUN_TIMEOUT_MS + 60_000);
});
