// Where the desktop app finds its pieces: how to start the engine (the built dist/node/engine.js, under the system
// Node in development and Electron itself as Node when packaged) and where the renderer's build lives.
import path from 'node:path';
import type { EngineLaunch } from './engine-process.ts';

export interface AppLocation {
  isPackaged: boolean;
  /** `app.getAppPath()`: the repository in development, `resources/app.asar` when packaged. */
  appPath: string;
  /** `process.execPath`: the Electron binary. */
  execPath: string;
  env: NodeJS.ProcessEnv;
}

/** `npm run build` (tools/build.ts) writes it; `npm start` and `npm run dist` build first. No tsx at run time. */
export const ENGINE_ENTRY = path.join('dist', 'node', 'engine.js');
export const RENDERER_BUILD = path.join('renderer', 'dist');

export function engineLaunch(location: AppLocation): EngineLaunch {
  const entry = path.join(location.appPath, ENGINE_ENTRY);
  if (!location.isPackaged) {
    // node_modules' native addons (better-sqlite3) are built for the system Node, not for Electron's.
    const node = location.env.CRUCIBLE_NODE || location.env.npm_node_execpath || 'node';
    return { command: node, args: [entry], cwd: location.appPath };
  }
  // electron-builder rebuilds the native addons for Electron, so Electron runs the engine as plain Node. The
  // working folder must be a real one (app.asar is a file).
  return { command: location.execPath, args: [entry], env: { ELECTRON_RUN_AS_NODE: '1' }, cwd: path.dirname(location.appPath) };
}

export function rendererBuildDir(appPath: string): string {
  return path.join(appPath, RENDERER_BUILD);
}
