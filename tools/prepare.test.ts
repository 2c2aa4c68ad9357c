// `npm ci --omit=dev` installs no build tools: the prepare step must then succeed without building and say why, and
// `crucible` must say what is missing instead of failing on a module it cannot find.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');
let scratch: string | null = null;
afterEach(() => {
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
});

/** A copy of `files` (repo-relative) in an empty folder: no node_modules, no dist/, no .git. */
function installWithoutDevDependencies(files: string[]): string {
  scratch = mkdtempSync(path.join(tmpdir(), 'crucible-omit-dev-'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    copyFileSync(path.join(repoRoot, file), path.join(scratch, file));
  }
  return scratch;
}

describe('an install without development dependencies', () => {
  it('skips the build in prepare, naming the missing tools, and succeeds', () => {
    const root = installWithoutDevDependencies(['tools/prepare.js', 'package.json']);
    const prepare = spawnSync(process.execPath, ['tools/prepare.js'], { cwd: root, encoding: 'utf8' });
    expect(prepare.status).toBe(0);
    expect(prepare.stdout).toMatch(/prepare: not building dist\/: the build tools \(tsx, esbuild\) are development dependencies/);
  });

  it('makes `crucible` say that there is no build and how to get one', () => {
    const root = installWithoutDevDependencies(['bin/crucible.js', 'package.json']);
    const crucible = spawnSync(process.execPath, ['bin/crucible.js', '--version'], { cwd: root, encoding: 'utf8' });
    expect(crucible.status).toBe(1);
    expect(crucible.stderr).toMatch(/no build in dist\/ and no tsx .* run `npm ci`, which builds dist\//);
  });
});
