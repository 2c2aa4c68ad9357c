import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedCopyPath } from '../../ingest/download-cache.ts';
import { runCli } from '../main.ts';
import { capturedIo } from '../testing/captured-io.ts';

const SHAKESPEARE = path.resolve(import.meta.dirname, '../../../../shared/data/tinyshakespeare.txt');
const SHAKESPEARE_SHA = '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed';
const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-data-add-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const fakeIo = (env: NodeJS.ProcessEnv = {}) => capturedIo({ cwd: path.dirname(SHAKESPEARE), env });

describe('crucible data add', () => {
  it('registers tiny Shakespeare under its canonical sha256 in the data dir', async () => {
    const dataDir = path.join(folder, 'data');
    const first = fakeIo();
    expect(await runCli(['data', 'add', 'tinyshakespeare.txt', '--data-dir', dataDir], first.io)).toBe(0);
    expect(first.stdout()).toContain(`registered: sha256 ${SHAKESPEARE_SHA}, 1115394 bytes`);
    const copy = cachedCopyPath(dataDir, SHAKESPEARE_SHA);
    expect(createHash('sha256').update(readFileSync(copy)).digest('hex')).toBe(SHAKESPEARE_SHA);
    const again = fakeIo();
    expect(await runCli(['data', 'add', 'tinyshakespeare.txt', '--data-dir', dataDir], again.io)).toBe(0);
    expect(again.stdout()).toContain('was already registered');
  });

  it('honours CRUCIBLE_DATA_DIR', async () => {
    const dataDir = path.join(folder, 'from-env');
    expect(await runCli(['data', 'add', SHAKESPEARE], fakeIo({ CRUCIBLE_DATA_DIR: dataDir }).io)).toBe(0);
    expect(existsSync(cachedCopyPath(dataDir, SHAKESPEARE_SHA))).toBe(true);
  });

  it('fails clearly for a missing file and explains its usage', async () => {
    const missing = fakeIo();
    expect(await runCli(['data', 'add', 'nope.txt', '--data-dir', folder], missing.io)).toBe(2);
    expect(missing.stderr()).toMatch(/data add: ".*nope\.txt" does not exist/);
    const noFile = fakeIo();
    expect(await runCli(['data', 'add'], noFile.io)).toBe(64);
    expect(noFile.stderr()).toMatch(/data add needs exactly one FILE[\s\S]*data add FILE/);
    const unknown = fakeIo();
    expect(await runCli(['data', 'remove', 'x'], unknown.io)).toBe(64);
    expect(unknown.stderr()).toMatch(/unknown data command "remove"/);
  });
});
