// Test harness for the studio end-to-end test: builds the renderer, starts `crucible studio` on a free port with
// its own data folder, and opens its one-time link in Debian's chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from '../engine-process.ts';

export const CHROMIUM_PATH = process.env.CRUCIBLE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
/** Where the browser tests write their screenshots. */
export const OUTPUT_DIR = path.join(REPO_ROOT, 'test-output');
/** The shared corpus (../shared/data, never committed). */
export const SHAKESPEARE = path.resolve(REPO_ROOT, '../shared/data/tinyshakespeare.txt');

export function buildRenderer(): void {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the renderer failed (npm run build:renderer):\n${result.stderr}${result.stdout}`);
}

export interface StudioSession {
  link: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

async function startStudio(dataDir: string): Promise<{ child: ChildProcess; link: string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'crucible.js'), 'studio', '--no-open', '--port', '0', '--data-dir', dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const link = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`crucible studio printed no link in 30 s: ${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /one-time link in your browser: (\S+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crucible studio exited with ${code}: ${stderr}`));
    });
  });
  return { child, link };
}

/** Starts the studio and a browser on it. Without the File System Access API the page falls back to downloads and a file input, which Playwright can drive. */
export async function openStudio(): Promise<StudioSession> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-data-'));
  const { child, link } = await startStudio(dataDir).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-e2e-chromium-'));
  const stopStudio = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    }
    for (const folder of [dataDir, profileDir]) rmSync(folder, { recursive: true, force: true });
  };
  const context = await chromium
    .launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1440, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    .catch(async (error: unknown) => {
      await stopStudio();
      throw error;
    });
  await context.addInitScript(() => {
    const pickers = window as unknown as Record<string, unknown>;
    delete pickers.showOpenFilePicker;
    delete pickers.showSaveFilePicker;
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    link,
    context,
    page,
    async close() {
      await context.close();
      await stopStudio();
    },
  };
}

/**
 * Builds the renderer, starts the studio with a browser on it and opens the one-time link, resolving once the page is
 * connected to the engine. `beforeConnect` runs before the link opens (to listen for dialogs, say).
 */
export async function openConnectedStudio(beforeConnect?: (page: Page) => void): Promise<StudioSession> {
  buildRenderer();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const studio = await openStudio();
  try {
    beforeConnect?.(studio.page);
    await studio.page.goto(studio.link);
    await studio.page.locator('.connection-live').waitFor({ timeout: 30_000 });
  } catch (error) {
    await studio.close();
    throw error;
  }
  return studio;
}

/**
 * Replaces a dataset node's sources with these paths through the inspector's sources editor (one row each). The node
 * is selected by clicking its header.
 */
export async function setPathSources(page: Page, nodeId: string, paths: readonly string[]): Promise<void> {
  await page.locator(`.react-flow__node[data-id="${nodeId}"] .node-header`).click();
  const sources = page.locator(`[data-inspecting="${nodeId}"] [data-field="sources"]`);
  await sources.waitFor();
  while ((await sources.getByLabel('Remove this source').count()) > 0) await sources.getByLabel('Remove this source').first().click();
  for (const [index, file] of paths.entries()) {
    await sources.getByRole('button', { name: '+ Path' }).click();
    await sources.getByLabel('Path').nth(index).fill(file);
  }
}

/**
 * dataset → char tokenizer → a 1-layer pretrain on the CPU trained 8 steps, evaluated at the end; `train` adds to or
 * replaces the pretrain node's config.
 */
export function tinyCharPipeline(name: string, corpusFile: string, train: Record<string, unknown> = {}): object {
  const at = (x: number) => ({ position: { x, y: 0 } });
  return {
    format: 'crucible.pipeline',
    version: 1,
    name,
    nodes: [
      { id: 'data', type: 'dataset', typeVersion: 1, config: { sources: [{ path: corpusFile }], documentSplit: 'none', valFraction: 0.1 }, ui: at(0) },
      { id: 'tok', type: 'tokenizer', typeVersion: 1, config: { kind: 'char' }, ui: at(280) },
      {
        id: 'train',
        type: 'pretrain',
        typeVersion: 1,
        config: { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 8, evalInterval: 8, evalBatches: 2, warmupSteps: 2, checkpointInterval: 8, device: 'cpu', ...train },
        ui: at(560),
      },
    ],
    edges: [
      { id: 'e1', from: { node: 'data', port: 'corpus' }, to: { node: 'tok', port: 'corpus' } },
      { id: 'e2', from: { node: 'tok', port: 'tokens' }, to: { node: 'train', port: 'tokens' } },
    ],
  };
}

/** Starts a new document, opens this two-edge pipeline file, runs it and waits for that run (not an earlier one) to succeed. */
export async function openAndRun(page: Page, pipelineFile: string, timeoutMs: number): Promise<void> {
  await page.keyboard.press('Alt+n');
  const dialog = page.getByRole('button', { name: /discard|don.t save/i });
  if (await dialog.count()) await dialog.first().click();
  const chooser = page.waitForEvent('filechooser');
  await page.locator('[data-command="file.open"]').click();
  await (await chooser).setFiles(pipelineFile);
  await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
  const caption = page.locator('.run-caption code');
  const before = (await caption.count()) > 0 ? await caption.textContent() : null;
  await page.locator('[data-command="run.run"]').click();
  await expect.poll(() => caption.count().then((count) => (count > 0 ? caption.textContent() : null)), { timeout: 30_000 }).not.toBe(before);
  await page.locator('.run-caption .badge-succeeded').waitFor({ timeout: timeoutMs });
}
