// How the engine is started in development (system Node) and when packaged (Electron as Node): always the built
// JavaScript, never TypeScript through tsx; and the package ships that build and no sources.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_ENTRY, engineLaunch, rendererBuildDir } from './launch-config.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('engineLaunch', () => {
  it('uses the Node that ran npm in development, so native addons match', () => {
    const launch = engineLaunch({ isPackaged: false, appPath: '/repo', execPath: '/repo/node_modules/electron/dist/electron', env: { npm_node_execpath: '/usr/bin/node' } });
    expect(launch).toEqual({ command: '/usr/bin/node', args: [path.join('/repo', 'dist', 'node', 'engine.js')], cwd: '/repo' });
    expect(engineLaunch({ isPackaged: false, appPath: '/repo', execPath: 'e', env: { CRUCIBLE_NODE: '/opt/node', npm_node_execpath: '/usr/bin/node' } }).command).toBe('/opt/node');
    expect(engineLaunch({ isPackaged: false, appPath: '/repo', execPath: 'e', env: {} }).command).toBe('node');
  });

  it('runs Electron itself as Node on the built engine when packaged, from a real folder', () => {
    const appPath = '/opt/Crucible/resources/app.asar';
    const launch = engineLaunch({ isPackaged: true, appPath, execPath: '/opt/Crucible/crucible', env: {} });
    expect(launch.command).toBe('/opt/Crucible/crucible');
    expect(launch.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(launch.cwd).toBe('/opt/Crucible/resources');
    expect(launch.args).toEqual([path.join(appPath, 'dist', 'node', 'engine.js')]);
    expect(launch.args.join(' ')).not.toMatch(/tsx|\.ts\b/);
  });

  it('finds the renderer build under the app', () => {
    expect(rendererBuildDir('/repo')).toBe(path.join('/repo', 'renderer', 'dist'));
  });
});

describe('electron-builder.yml', () => {
  const config = readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
  const files = /^files:\n((?:\s+- .*\n)+)/m.exec(config)?.[1]?.split('\n').map((line) => line.trim().replace(/^- /, '').replace(/^"|"$/g, '')).filter(Boolean) ?? [];

  it('packages the built engine, shell and renderer, and no TypeScript sources or tsx', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/node/**', 'main/dist/**', 'renderer/dist/**', '!**/*.ts', '!node_modules/tsx/**']));
    const included = files.filter((pattern) => !pattern.startsWith('!'));
    for (const pattern of included) expect(pattern).not.toMatch(/^(engine|app|nodes|main\/src)\//);
    expect(ENGINE_ENTRY).toBe(path.join('dist', 'node', 'engine.js'));
  });
});
