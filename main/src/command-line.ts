// What the app was asked to do on its command line (or a second launch's): pipeline files to open and the engine's
// data folder. Chromium adds switches of its own, so anything unknown is ignored.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PIPELINE_FILE_EXTENSION } from '../../app/protocol/desktop-ipc.ts';

/** Existing `*.crucible.json` files named in argv, made absolute against the launching shell's folder. */
export function pipelinePathsFromArgv(argv: readonly string[], workingDirectory: string): string[] {
  const found: string[] = [];
  for (const argument of argv.slice(1)) {
    if (argument.startsWith('-') || !argument.toLowerCase().endsWith(PIPELINE_FILE_EXTENSION)) continue;
    const absolute = path.resolve(workingDirectory, argument);
    if (existsSync(absolute) && statSync(absolute).isFile() && !found.includes(absolute)) found.push(absolute);
  }
  return found;
}

/** `--data-dir DIR` or `--data-dir=DIR`, else CRUCIBLE_DATA_DIR; undefined lets the engine use the same OS default
 * as the CLI, so the desktop app and `crucible run` share one run history. */
export function dataDirFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv, workingDirectory: string): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const value = argument.startsWith('--data-dir=') ? argument.slice('--data-dir='.length) : argument === '--data-dir' ? argv[index + 1] : undefined;
    if (value) return path.resolve(workingDirectory, value);
  }
  return env.CRUCIBLE_DATA_DIR ? path.resolve(workingDirectory, env.CRUCIBLE_DATA_DIR) : undefined;
}
