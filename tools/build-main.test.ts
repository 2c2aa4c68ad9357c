// The main-process build: an ESM main and a small CommonJS preload that needs nothing but electron.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from './build-main.ts';

const outDir = mkdtempSync(path.join(tmpdir(), 'crucible-build-main-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('buildMain', () => {
  it('bundles main as ESM and the preload as a small CommonJS file requiring only electron', async () => {
    const [mainFile, preloadFile] = await buildMain(outDir);
    const main = readFileSync(mainFile!, 'utf8');
    const preload = readFileSync(preloadFile!, 'utf8');
    expect(main).toMatch(/^import .* from "electron";$/m);
    expect(main).not.toMatch(/fastify|better-sqlite3|onnxruntime/);
    const required = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('crucibleDesktop');
    expect(preload.length).toBeLessThan(20_000);
  });
});
