// Services under control, in a real browser against `crucible studio`: a serving pipeline (tiny char model →
// deploy → api-endpoint on a fixed port) run twice leaves one deployment and one endpoint on the same port, the
// second run keeping both (cached, nothing changed); the Serving tab's Stop stops the endpoint and shows it stopped,
// and Start brings it back on the same URL. A screenshot of the service cards goes to test-output/.
// Skipped where Debian's chromium is not installed (set CRUCIBLE_CHROMIUM to another binary).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../engine/free-port.ts';
import { chromiumAvailable, openConnectedStudio, OUTPUT_DIR, SHAKESPEARE, type StudioSession } from './studio-harness.ts';

const RUN_TIMEOUT_MS = 150_000;

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

function servingPipeline(corpusFile: string, port: number): unknown {
  const at = (x: number, y: number) => ({ position: { x, y } });
  const pretrain = { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 4, evalInterval: 4, evalBatches: 1, warmupSteps: 1, checkpointInterval: 4, device: 'cpu' };
  return {
    format: 'crucible.pipeline',
    version: 1,
    name: 'serve a tiny model',
    description: '',
    nodes: [
      { id: 'dataset', type: 'dataset', typeVersion: 1, config: { sources: [{ path: corpusFile }] }, ui: at(0, 0) },
      { id: 'tokenizer', type: 'tokenizer', typeVersion: 1, config: { kind: 'char' }, ui: at(260, 0) },
      { id: 'pretrain', type: 'pretrain', typeVersion: 1, config: pretrain, ui: at(520, 0) },
      { id: 'deploy', type: 'deploy', typeVersion: 1, config: { name: 'tiny', device: 'cpu', maxBatchSize: 2 }, ui: at(780, 0) },
      { id: 'api', type: 'api-endpoint', typeVersion: 1, config: { port }, ui: at(1040, 0) },
    ],
    edges: [
      { id: 'e1', from: { node: 'dataset', port: 'corpus' }, to: { node: 'tokenizer', port: 'corpus' } },
      { id: 'e2', from: { node: 'tokenizer', port: 'tokens' }, to: { node: 'pretrain', port: 'tokens' } },
      { id: 'e3', from: { node: 'pretrain', port: 'model' }, to: { node: 'deploy', port: 'model' } },
      { id: 'e4', from: { node: 'deploy', port: 'deployment' }, to: { node: 'api', port: 'deployments' } },
    ],
  };
}

describe.skipIf(!chromiumAvailable)('services under control in the studio', () => {
  let studio: StudioSession;
  let page: Page;
  let port: number;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-services-'));
    const corpusFile = path.join(dir, 'shakespeare-slice.txt');
    writeFileSync(corpusFile, readFileSync(SHAKESPEARE, 'utf8').slice(0, 40_000));
    port = await freePort();
    const pipelineFile = path.join(dir, 'serve.crucible.json');
    writeFileSync(pipelineFile, JSON.stringify(servingPipeline(corpusFile, port), null, 2));
    studio = await openConnectedStudio();
    page = studio.page;
    const chooser = page.waitForEvent('filechooser');
    await page.locator('[data-command="file.open"]').click();
    await (await chooser).setFiles(pipelineFile);
    await page.locator('.react-flow__edge').nth(3).waitFor();
  }, 120_000);

  afterAll(async () => {
    await studio?.close();
  });

  it('runs the serving pipeline, then reruns it: one deployment and one endpoint, on the same port, kept', async () => {
    await page.locator('[data-command="run.run"]').click();
    await expect.poll(() => node(page, 'api').locator('.badge').textContent(), { timeout: RUN_TIMEOUT_MS }).toBe('succeeded');

    await page.locator('[data-command="run.run"]').click();
    await expect.poll(() => node(page, 'api').locator('.badge').textContent(), { timeout: RUN_TIMEOUT_MS }).toBe('cached');
    expect(await node(page, 'deploy').locator('.badge').textContent()).toBe('cached');

    await page.getByRole('tab', { name: 'Serving' }).click();
    await page.locator('.service[data-kind="api-endpoint"][data-health="ok"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('.service[data-kind="deployment"]').count()).toBe(1);
    expect(await page.locator('.service[data-kind="api-endpoint"]').count()).toBe(1);
    expect(await page.locator('.service[data-kind="api-endpoint"] .service-url code').textContent()).toBe(`http://127.0.0.1:${port}/v1`);
    expect(await page.locator('.service [data-service-state]').allTextContents()).toEqual(['running', 'running']);
  }, 2 * RUN_TIMEOUT_MS + 60_000);

  it('stops the endpoint with its Stop button, shows it stopped, and starts it again on the same URL', async () => {
    const endpoint = page.locator('.service[data-kind="api-endpoint"]');
    await endpoint.locator('[data-service-action="stop"]').click();
    await expect.poll(() => endpoint.locator('[data-service-state]').textContent()).toBe('stopped');
    expect(await endpoint.locator('[data-service-action="stop"]').count()).toBe(0);
    const response = await fetch(`http://127.0.0.1:${port}/health`).then(
      (answer) => answer.status,
      () => 'refused',
    );
    expect(response).toBe('refused');

    await endpoint.locator('[data-service-action="restart"]').click();
    const running = page.locator('.service[data-kind="api-endpoint"]:has([data-service-state="running"])');
    await running.waitFor({ timeout: 30_000 });
    expect(await running.locator('.service-url code').textContent()).toBe(`http://127.0.0.1:${port}/v1`);
    await page.locator('.service[data-kind="api-endpoint"][data-health="ok"]').waitFor({ timeout: 30_000 });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const file = path.join(OUTPUT_DIR, 'serving-service-controls.png');
    await page.locator('.run-panel').screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(1000);
  }, 90_000);
});
