// The scale requirement, measured: a corpus larger than the JS heap and larger than the process's peak RSS goes
// through a child process whose V8 heap is capped, as one single document (the case that tempts holding it whole).
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const FILE_BYTES = 192 * 1024 * 1024;
const HEAP_CAP_MB = 96;
const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-memory-bound-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes about `bytes` of mixed-script paragraphs, every block different so nothing dedupes away. */
async function writeLargeText(file: string, bytes: number): Promise<void> {
  const paragraph = 'The quick brown fox jumps over the lazy dog; café, naïve, 東京, 😀.\nA second line of the paragraph.\n\n';
  const block = paragraph.repeat(Math.ceil((1024 * 1024) / paragraph.length));
  const out = createWriteStream(file);
  for (let written = 0, index = 0; written < bytes; index++) {
    const chunk = `${block}block ${index}\n\n`;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

describe('memory bound', () => {
  it('streams a file larger than the heap cap and larger than its own peak RSS', async () => {
    const file = path.join(folder, 'large.txt');
    await writeLargeText(file, FILE_BYTES);
    const child = path.join(import.meta.dirname, 'testing', 'memory-bound.child.ts');
    const { stdout } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', 'tsx', child, file, 'none'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      maxBuffer: 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { peakRssBytes: number; stats: { train: { bytes: number }; val: { bytes: number } } };
    expect(result.stats.train.bytes + result.stats.val.bytes).toBeGreaterThanOrEqual(FILE_BYTES);
    expect(result.peakRssBytes).toBeLessThan(FILE_BYTES);
  }, 120_000);
});
