// How the engine is started in development (system Node + tsx) and when packaged (Electron as Node).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineLaunch, rendererBuildDir } from './launch-config.ts';

describe('engineLaunch', () => {
  it('uses the Node that ran npm in development, so native addons match', () => {
    const launch = engineLaunch({ isPackaged: false, appPath: '/repo', execPath: '/repo/node_modules/electron/dist/electron', env: { npm_node_execpath: '/usr/bin/node' } });
    expect(launch).toEqual({ command: '/usr/bin/node', args: ['--import', 'tsx', path.join('/repo', 'engine', 'api', 'main.ts')], cwd: '/repo' });
    expect(engineLaunch({ isPackaged: false, appPath: '/repo', execPath: 'e', env: { CRUCIBLE_NODE: '/opt/node', npm_node_execpath: '/usr/bin/node' } }).command).toBe('/opt/node');
    expect(engineLaunch({ isPackaged: false, appPath: '/repo', execPath: 'e', env: {} }).command).toBe('node');
  });

  it('runs Electron itself as Node when packaged, from a real folder', () => {
    const appPath = '/opt/Crucible/resources/app.asar';
    const launch = engineLaunch({ isPackaged: true, appPath, execPath: '/opt/Crucible/crucible', env: {} });
    expect(launch.command).toBe('/opt/Crucible/crucible');
    expect(launch.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(launch.cwd).toBe('/opt/Crucible/resources');
    expect(launch.args).toEqual(['--import', 'file:///opt/Crucible/resources/app.asar/node_modules/tsx/dist/loader.mjs', path.join(appPath, 'engine', 'api', 'main.ts')]);
  });

  it('finds the renderer build under the app', () => {
    expect(rendererBuildDir('/repo')).toBe(path.join('/repo', 'renderer', 'dist'));
  });
});
