// The window's security options, its close prompt and the single-instance lock, with Electron mocked.
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeWindow {
    static created: FakeWindow[] = [];
    readonly events = new Map<string, (...args: unknown[]) => void>();
    shown = false;
    constructor(readonly options: Record<string, any>) {
      FakeWindow.created.push(this);
    }
    once(name: string, listener: (...args: unknown[]) => void) {
      this.events.set(name, listener);
    }
    on(name: string, listener: (...args: unknown[]) => void) {
      this.events.set(name, listener);
    }
    show() {
      this.shown = true;
    }
  }
  return { FakeWindow, showMessageBoxSync: vi.fn() };
});
vi.mock('electron', () => ({ BrowserWindow: electron.FakeWindow, dialog: { showMessageBoxSync: electron.showMessageBoxSync } }));

const { claimSingleInstance, confirmCloseWhenDirty, createMainWindow, secureWebPreferences, windowTitle } = await import('./window.ts');

beforeEach(() => {
  electron.FakeWindow.created.length = 0;
  electron.showMessageBoxSync.mockReset();
});

describe('the main window', () => {
  it('isolates the page: context isolation and sandbox on, no Node, no webview, no insecure content', () => {
    const window = createMainWindow({ preloadPath: '/app/main/dist/preload.cjs' }) as unknown as InstanceType<typeof electron.FakeWindow>;
    const preferences = window.options.webPreferences;
    expect(preferences).toEqual(secureWebPreferences('/app/main/dist/preload.cjs'));
    expect(preferences).toMatchObject({
      preload: '/app/main/dist/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(preferences).not.toHaveProperty('enableRemoteModule');
  });

  it('stays hidden until the canvas is ready to show', () => {
    const window = createMainWindow({ preloadPath: 'p' }) as unknown as InstanceType<typeof electron.FakeWindow>;
    expect(window.options.show).toBe(false);
    expect(window.shown).toBe(false);
    window.events.get('ready-to-show')!();
    expect(window.shown).toBe(true);
  });

  it('asks before closing over unsaved changes, keeps the window when the user cancels and reports a discard', () => {
    let dirty = false;
    const window = new electron.FakeWindow({});
    const onDiscard = vi.fn();
    confirmCloseWhenDirty(window as never, () => dirty, onDiscard);
    const close = window.events.get('close')!;

    const cleanClose = { preventDefault: vi.fn() };
    close(cleanClose);
    expect(electron.showMessageBoxSync).not.toHaveBeenCalled();
    expect(cleanClose.preventDefault).not.toHaveBeenCalled();

    dirty = true;
    electron.showMessageBoxSync.mockReturnValueOnce(1);
    const cancelled = { preventDefault: vi.fn() };
    close(cancelled);
    expect(cancelled.preventDefault).toHaveBeenCalled();
    expect(onDiscard).not.toHaveBeenCalled();

    electron.showMessageBoxSync.mockReturnValueOnce(0);
    const discarded = { preventDefault: vi.fn() };
    close(discarded);
    expect(discarded.preventDefault).not.toHaveBeenCalled();
    expect(onDiscard).toHaveBeenCalledTimes(1);
  });

  it('shows the document, its unsaved marker and the engine state in the title', () => {
    expect(windowTitle(null, null)).toBe('Crucible');
    expect(windowTitle({ title: 'shakespeare.crucible.json', path: '/p', dirty: true }, null)).toBe('• shakespeare.crucible.json — Crucible');
    expect(windowTitle({ title: 'a', path: null, dirty: false }, 'engine restarting…')).toBe('a — Crucible (engine restarting…)');
  });
});

describe('the single-instance lock', () => {
  it('lets a second launch quit and hands its command line to the first', () => {
    const app = Object.assign(new EventEmitter(), { requestSingleInstanceLock: vi.fn(() => true) });
    const onSecond = vi.fn();
    expect(claimSingleInstance(app as never, onSecond)).toBe(true);
    app.emit('second-instance', {}, ['crucible', 'a.crucible.json'], '/home/me');
    expect(onSecond).toHaveBeenCalledWith(['crucible', 'a.crucible.json'], '/home/me');

    const second = Object.assign(new EventEmitter(), { requestSingleInstanceLock: vi.fn(() => false) });
    expect(claimSingleInstance(second as never, onSecond)).toBe(false);
    expect(second.listenerCount('second-instance')).toBe(0);
  });
});
