// Runs `crucible ARGS` in-process against a data directory (also its working directory), its output captured.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';

/** The exit code and what the command wrote; `env` adds to CRUCIBLE_DATA_DIR=dataDir. */
export async function runCliIn(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { stdout, stderr, env: { CRUCIBLE_DATA_DIR: dataDir, ...env }, cwd: dataDir, onInterrupt: () => () => undefined };
  const code = await runCli(args, io);
  return { code, out, err };
}
