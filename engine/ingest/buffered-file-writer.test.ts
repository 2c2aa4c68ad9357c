import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedFileWriter } from './buffered-file-writer.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-writer-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('BufferedFileWriter', () => {
  it('rewinds within the buffer and past what was already flushed', async () => {
    const file = path.join(folder, 'rewind.bin');
    const writer = await BufferedFileWriter.create(file);
    await writer.writeText('keep ');
    const mark = writer.position;
    await writer.writeText('drop');
    writer.rewindTo(mark);
    await writer.writeText('é ');
    const bigMark = writer.position;
    await writer.writeText('x'.repeat(5 * 1024 * 1024));
    await writer.writeText('tail');
    writer.rewindTo(bigMark);
    await writer.writeText('end');
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('keep é end');
  });

  it('returns the UTF-8 bytes it wrote', async () => {
    const writer = await BufferedFileWriter.create(path.join(folder, 'bytes.bin'));
    expect(Buffer.from(await writer.writeText('a😀')).toString('utf8')).toBe('a😀');
    expect(() => writer.rewindTo(100)).toThrow(/cannot rewind/);
    await writer.close();
  });
});
