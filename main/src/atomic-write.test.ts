// A file replaced whole, synchronously or not: its folder made (sync), the last text kept, and no partial file left
// when the rename fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically, writeFileAtomicallyAsync } from './atomic-write.ts';

describe('writeFileAtomically', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crucible-atomic-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('creates the folder and replaces the file', () => {
    const file = path.join(folder, 'made', 'state.json');
    writeFileAtomically(file, 'first');
    writeFileAtomically(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(path.dirname(file))).toEqual(['state.json']);
  });

  it('throws and leaves no partial file when the target cannot be replaced', () => {
    const target = path.join(folder, 'taken', 'state.json');
    mkdirSync(path.join(target, 'inside'), { recursive: true });
    expect(() => writeFileAtomically(target, 'text')).toThrow();
    expect(readdirSync(path.dirname(target))).toEqual(['state.json']);
  });

  it('does the same asynchronously', async () => {
    const file = path.join(folder, 'async', 'a.crucible.json');
    mkdirSync(path.dirname(file));
    await writeFileAtomicallyAsync(file, 'first');
    await writeFileAtomicallyAsync(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    const taken = path.join(folder, 'async-taken', 'a.crucible.json');
    mkdirSync(path.join(taken, 'inside'), { recursive: true });
    await expect(writeFileAtomicallyAsync(taken, 'text')).rejects.toThrow();
    expect(readdirSync(path.dirname(file))).toEqual(['a.crucible.json']);
    expect(readdirSync(path.dirname(taken))).toEqual(['a.crucible.json']);
  });
});
