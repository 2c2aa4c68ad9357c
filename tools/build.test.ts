// The build finds every worker module the engine starts by URL, and the engine maps a worker's source URL to the
// bundle the build writes for it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtWorkerUrl } from '../engine/workers/typescript-worker.ts';
import { workerEntries } from './build.ts';

describe('workerEntries', () => {
  it('lists the tokenizer, encoding, chat encoding, model import, training, quantize, export, torch-run export and inference workers by their source names', () => {
    const entries = workerEntries();
    expect(Object.keys(entries).sort()).toEqual(['chat-encode-worker', 'encode-worker', 'export-worker', 'inference-worker', 'ml-worker', 'model-import-worker', 'quantize-worker', 'torch-export-worker', 'train-worker']);
    for (const [name, source] of Object.entries(entries)) {
      expect(path.basename(source)).toBe(`${name}.ts`);
      expect(existsSync(source)).toBe(true);
    }
  });
});

describe('builtWorkerUrl', () => {
  it('names the bundle beside the running code after the source file', () => {
    const url = builtWorkerUrl(new URL('file:///repo/engine/ml/train/ml-worker.ts'));
    expect(path.basename(url.pathname)).toBe('ml-worker.js');
    expect(url.href).toBe(new URL('./ml-worker.js', new URL('../engine/workers/typescript-worker.ts', import.meta.url)).href);
  });
});
