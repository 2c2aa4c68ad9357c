import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from './data-dir.ts';

describe('data directory', () => {
  it('follows XDG on Linux', () => {
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/crucible');
    expect(defaultDataDir({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ada')).toBe('/data/crucible');
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.local/share/crucible');
  });
  it('uses Application Support on macOS and LOCALAPPDATA on Windows', () => {
    expect(defaultDataDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/Crucible');
    expect(defaultDataDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada')).toBe('C:\\Users\\ada\\AppData\\Local\\Crucible');
  });
  it('lets the flag win over the environment', () => {
    expect(resolveDataDir('/flag', { CRUCIBLE_DATA_DIR: '/env' })).toBe('/flag');
    expect(resolveDataDir(undefined, { CRUCIBLE_DATA_DIR: '/env' })).toBe('/env');
  });
});
