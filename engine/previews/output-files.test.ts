// One output file's text as the studio shows it: text with the odd NUL kept (as ␀), binary when it is not UTF-8 or
// mostly NUL, a read cut at the limit without a broken character, JSON pretty-printed, names kept inside the folder.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOutputFileText } from './output-files.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'crucible-output-files-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('readOutputFileText', () => {
  it('keeps a report that quotes a NUL as text, showing the NUL as ␀', async () => {
    writeFileSync(path.join(folder, 'report.md'), '# Evaluation\n\n```text\nsP\u0000a\n```\n');
    expect(await readOutputFileText(folder, 'report.md')).toMatchObject({ kind: 'markdown', text: '# Evaluation\n\n```text\nsP\u2400a\n```\n', truncated: false });
  });

  it('calls a file binary when it is not UTF-8 or mostly NUL', async () => {
    writeFileSync(path.join(folder, 'weights.bin'), Buffer.from([0xff, 0xfe, 0x41, 0x80]));
    writeFileSync(path.join(folder, 'shard.bin'), Buffer.alloc(64));
    expect((await readOutputFileText(folder, 'weights.bin')).kind).toBe('binary');
    expect((await readOutputFileText(folder, 'shard.bin')).kind).toBe('binary');
  });

  it('cuts a long file at the limit without breaking a character, and pretty-prints whole JSON only', async () => {
    writeFileSync(path.join(folder, 'long.txt'), 'é'.repeat(10));
    expect(await readOutputFileText(folder, 'long.txt', 5)).toMatchObject({ kind: 'text', text: 'éé', truncated: true, bytes: 20 });
    writeFileSync(path.join(folder, 'config.json'), '{"a":[1,2]}');
    expect((await readOutputFileText(folder, 'config.json')).text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(await readOutputFileText(folder, 'config.json', 4)).toMatchObject({ kind: 'text', text: '{"a"', truncated: true });
  });

  it('refuses names that leave the folder, by path or by a symbolic link', async () => {
    symlinkSync('/etc', path.join(folder, 'etc-link'));
    await expect(readOutputFileText(folder, '../x')).rejects.toThrow('is not a file name inside');
    await expect(readOutputFileText(folder, 'etc-link/hostname')).rejects.toThrow('leads outside');
    writeFileSync(path.join(folder, '..notes.txt'), 'kept');
    expect((await readOutputFileText(folder, '..notes.txt')).text).toBe('kept');
  });
});
