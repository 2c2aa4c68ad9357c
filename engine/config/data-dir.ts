// Where the engine keeps artifacts, the run database and caches: --data-dir, then CRUCIBLE_DATA_DIR, then the
// OS convention (XDG on Linux, Application Support on macOS, %LOCALAPPDATA% on Windows).
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local'), 'Crucible');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Crucible');
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(xdg, 'crucible');
}

/** The data directory in force: an explicit flag wins over the environment, which wins over the OS default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.CRUCIBLE_DATA_DIR;
  return chosen ? path.resolve(chosen) : defaultDataDir(env);
}
