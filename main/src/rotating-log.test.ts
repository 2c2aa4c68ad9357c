// The engine log's rollover: size limit, how many old files are kept, and reading the newest part back.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLog } from './rotating-log.ts';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'crucible-log-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('RotatingLog', () => {
  it('creates its folder and appends text as given', () => {
    const log = new RotatingLog({ file: path.join(folder, 'nested', 'engine.log') });
    log.write('first\n');
    log.write('second\n');
    expect(readFileSync(log.file, 'utf8')).toBe('first\nsecond\n');
  });

  it('rolls over at the size limit and keeps only the configured number of old files', () => {
    const log = new RotatingLog({ file: path.join(folder, 'engine.log'), maxFileBytes: 100, keepFiles: 2 });
    for (let index = 0; index < 20; index++) log.write(`line ${String(index).padStart(2, '0')} ${'x'.repeat(30)}\n`);
    expect(statSync(log.file).size).toBeLessThanOrEqual(100);
    expect(existsSync(`${log.file}.1`)).toBe(true);
    expect(existsSync(`${log.file}.2`)).toBe(true);
    expect(existsSync(`${log.file}.3`)).toBe(false);
    expect(readFileSync(log.file, 'utf8')).toContain('line 19');
    expect(readFileSync(`${log.file}.1`, 'utf8')).not.toContain('line 19');
    expect(readFileSync(`${log.file}.2`, 'utf8')).not.toContain('line 00');
  });

  it('continues counting the size of a file left by an earlier launch', () => {
    const file = path.join(folder, 'engine.log');
    new RotatingLog({ file, maxFileBytes: 50 }).write('a'.repeat(40));
    new RotatingLog({ file, maxFileBytes: 50 }).write('b'.repeat(20));
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('a'.repeat(40));
    expect(readFileSync(file, 'utf8')).toBe('b'.repeat(20));
  });

  it('reads back the newest part starting at a whole line', () => {
    const log = new RotatingLog({ file: path.join(folder, 'engine.log') });
    for (let index = 0; index < 100; index++) log.write(`line ${index}\n`);
    const tail = log.readTail(40);
    expect(tail.endsWith('line 99\n')).toBe(true);
    expect(tail.startsWith('line ')).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(40);
    expect(log.readTail(1_000_000)).toBe(readFileSync(log.file, 'utf8'));
  });

  it('stamps notes with the time', () => {
    const log = new RotatingLog({ file: path.join(folder, 'engine.log') });
    log.note('engine ready');
    expect(readFileSync(log.file, 'utf8')).toMatch(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] engine ready\n$/);
  });
});
