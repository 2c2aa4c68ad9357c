// Runs `crucible ARGS` in-process against a data directory (also its working directory unless told), its output
// captured: to its end, or started so a test reads the output while it runs and sends Ctrl-C.
import { runCli } from '../main.ts';
import { capturedIo, type CapturedIo } from './captured-io.ts';

export interface StartCliOptions {
  /** Added to CRUCIBLE_DATA_DIR=dataDir. */
  env?: Record<string, string>;
  /** The working folder; the data directory unless given. */
  cwd?: string;
}

/** The command under way: its exit code once it ends, and its output so far. */
export function startCliIn(dataDir: string, args: string[], { env = {}, cwd = dataDir }: StartCliOptions = {}): CapturedIo & { code: Promise<number> } {
  const captured = capturedIo({ cwd, env: { CRUCIBLE_DATA_DIR: dataDir, ...env } });
  return { ...captured, code: runCli(args, captured.io) };
}

/** The exit code and what the command wrote; `env` adds to CRUCIBLE_DATA_DIR=dataDir. */
export async function runCliIn(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const cli = startCliIn(dataDir, args, { env });
  const code = await cli.code;
  return { code, out: cli.stdout(), err: cli.stderr() };
}
