// The CLI's entry: a data directory the engine cannot open (a file in its place, a damaged database) gets one line
// saying which and what to do, and exit code 2, not a stack trace; --help works after any command.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SERVE_OPTIONS } from './commands/serve.ts';
import { EXIT } from './io.ts';
import { runCli } from './main.ts';
import { capturedIo } from './testing/captured-io.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-cli-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('says which data directory cannot be opened and why, for a file in its place and a damaged database', async () => {
  const file = path.join(root, 'a-file');
  writeFileSync(file, 'hi');
  const damaged = path.join(root, 'damaged');
  mkdirSync(damaged);
  writeFileSync(path.join(damaged, 'crucible.db'), 'garbage, not SQLite');
  for (const [dataDir, reason] of [[file, /EEXIST/], [damaged, /not a database/]] as const) {
    const captured = capturedIo({ cwd: root });
    expect(await runCli(['runs', '--data-dir', dataDir], captured.io)).toBe(EXIT.unreadable);
    expect(captured.stderr()).toMatch(new RegExp(`^cannot open the data directory ${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*${reason.source}.*Choose another with --data-dir or CRUCIBLE_DATA_DIR`));
    expect(captured.stderr()).not.toMatch(/\n\s+at /);
  }
});

it('prints the usage for --help after any command, and to stderr with exit 64 when no command is given', async () => {
  for (const argv of [['run', '--help'], ['keys', '--help'], ['serve', 'model', '-h']]) {
    const captured = capturedIo({ cwd: root });
    expect(await runCli(argv, captured.io), argv.join(' ')).toBe(EXIT.ok);
    expect(captured.stdout()).toMatch(/^Usage: crucible <command> \[options\]\n/);
  }
  const bare = capturedIo({ cwd: root });
  expect(await runCli([], bare.io)).toBe(EXIT.usage);
  expect(bare.stdout()).toBe('');
  expect(bare.stderr()).toMatch(/^Usage: crucible <command> \[options\]\n/);
});

it('names every flag serve accepts in the usage', async () => {
  const captured = capturedIo({ cwd: root });
  expect(await runCli(['--help'], captured.io)).toBe(EXIT.ok);
  const serveUsage = /\n {2}serve MODEL_DIR[^]*?\n {2}gateway /.exec(captured.stdout())![0];
  const missing = Object.keys(SERVE_OPTIONS).filter((flag) => flag !== 'data-dir' && !serveUsage.includes(`--${flag} `) && !serveUsage.includes(`--${flag}]`));
  expect(missing).toEqual([]);
});
