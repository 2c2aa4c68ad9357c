// tools/ensure-electron.cjs against fake electron packages: a present binary, a successful and a failed download,
// and no package at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, 'ensure-electron.cjs');
const root = mkdtempSync(path.join(tmpdir(), 'crucible-ensure-electron-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakePackage(name: string, installScript: string, withBinary = false): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '40.0.0' }));
  writeFileSync(path.join(dir, 'install.js'), installScript);
  if (withBinary) {
    writeFileSync(path.join(dir, 'path.txt'), 'electron');
    writeFileSync(path.join(dir, 'dist', 'electron'), '');
  }
  return dir;
}

function run(packageDir: string) {
  const result = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, CRUCIBLE_ELECTRON_PACKAGE_DIR: packageDir }, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

const WRITE_MARKER = "require('fs').writeFileSync(require('path').join(__dirname, 'install-ran'), '');";

describe('ensure-electron', () => {
  it('does nothing when the binary is there', () => {
    const dir = fakePackage('present', WRITE_MARKER, true);
    expect(run(dir)).toEqual({ status: 0, output: '' });
    expect(existsSync(path.join(dir, 'install-ran'))).toBe(false);
  });

  it("runs electron's install.js when the binary is missing", () => {
    const install = `${WRITE_MARKER} const fs = require('fs'); fs.writeFileSync(__dirname + '/path.txt', 'electron'); fs.writeFileSync(__dirname + '/dist/electron', '');`;
    const dir = fakePackage('missing', install);
    const result = run(dir);
    expect(result.status).toBe(0);
    expect(result.output).toContain('downloading the Electron 40.0.0 binary');
    expect(existsSync(path.join(dir, 'install-ran'))).toBe(true);
  });

  it('explains what to do when the download fails', () => {
    const dir = fakePackage('offline', "console.error('getaddrinfo ENOTFOUND github.com'); process.exit(1);");
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/could not download Electron 40\.0\.0[\s\S]*needs internet access once[\s\S]*npx crucible studio/);
  });

  it('explains a missing electron package', () => {
    const result = run(path.join(root, 'nowhere'));
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/electron package is not installed.*npx crucible studio/);
  });
});
