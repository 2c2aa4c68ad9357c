// IPC on the main side: who may call (the app window's top frame on the app origin) and what (requests checked by
// their zod schema before a handler runs); pushes go out on the contract's channels.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, INVOKE_NAMES, PUSH_CHANNELS } from '../../app/protocol/desktop-ipc.ts';
import { registerDesktopHandlers } from './desktop-handlers.ts';
import { createIpcRouter, isTrustedSender, sendToWindow } from './ipc.ts';
import { isSameOrigin } from './navigation-guard.ts';
import { PipelineFiles } from './pipeline-files.ts';
import { RecentFiles } from './recent-files.ts';
import { RotatingLog } from './rotating-log.ts';

const APP = 'http://127.0.0.1:41234';
const isAppUrl = (url: string) => isSameOrigin(url, APP);

function fakeWindow() {
  const mainFrame = { url: `${APP}/` };
  const webContents = { mainFrame, send: vi.fn() };
  return { webContents, destroyed: false, isDestroyed() { return this.destroyed; } };
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: unknown, request: unknown) => Promise<unknown>>();
  return {
    handlers,
    handle: (channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) => void handlers.set(channel, handler),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

function setup() {
  const window = fakeWindow();
  const ipcMain = fakeIpcMain();
  const log = vi.fn();
  const router = createIpcRouter({ ipcMain: ipcMain as never, isTrustedSender: (event) => isTrustedSender(event, window as never, isAppUrl), log });
  const fromWindow = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const call = (channel: string, request: unknown, event: object = fromWindow) => ipcMain.handlers.get(channel)!(event, request);
  return { window, ipcMain, router, log, call, fromWindow };
}

describe('createIpcRouter', () => {
  it('passes a valid request from the app window to the handler, with defaults filled in', async () => {
    const { router, call } = setup();
    const handler = vi.fn(() => ({ path: '/p/a.crucible.json' }));
    router.handle('savePipeline', handler);
    await expect(call(INVOKE_CHANNELS.savePipeline, { path: null, text: '{}' })).resolves.toEqual({ path: '/p/a.crucible.json' });
    expect(handler).toHaveBeenCalledWith({ path: null, text: '{}', saveAs: false }, expect.anything());
  });

  it.each([
    ['a missing field', { text: '{}' }, /path/],
    ['a wrong type', { path: 42, text: '{}' }, /path/],
    ['an unknown field', { path: null, text: '{}', overwrite: true }, /overwrite/],
    ['an empty path', { path: '', text: '{}' }, /path/],
    ['no request at all', undefined, /request/],
  ])('refuses %s before the handler runs', async (_what, request, field) => {
    const { router, call } = setup();
    const handler = vi.fn();
    router.handle('savePipeline', handler);
    await expect(call(INVOKE_CHANNELS.savePipeline, request)).rejects.toThrow(/"crucible:pipeline-save": invalid request/);
    await expect(call(INVOKE_CHANNELS.savePipeline, request)).rejects.toThrow(field);
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a request body on a channel that takes none', async () => {
    const { router, call } = setup();
    router.handle('getAppVersion', () => '1.0.0');
    await expect(call(INVOKE_CHANNELS.getAppVersion, undefined)).resolves.toBe('1.0.0');
    await expect(call(INVOKE_CHANNELS.getAppVersion, { sneaky: true })).rejects.toThrow(/invalid request/);
  });

  it.each([
    ['another web page', (w: ReturnType<typeof fakeWindow>) => ({ sender: w.webContents, senderFrame: { url: 'https://evil.example/' } })],
    ['a subframe of the window', (w: ReturnType<typeof fakeWindow>) => ({ sender: w.webContents, senderFrame: { url: `${APP}/frame` } })],
    ['another webContents', (w: ReturnType<typeof fakeWindow>) => ({ sender: { mainFrame: w.webContents.mainFrame }, senderFrame: w.webContents.mainFrame })],
    ['a destroyed frame', (w: ReturnType<typeof fakeWindow>) => ({ sender: w.webContents, senderFrame: null })],
  ])('refuses calls from %s', async (_who, makeEvent) => {
    const { window, router, call, log } = setup();
    const handler = vi.fn(() => 'secret');
    router.handle('getEngineConnection', handler as never);
    await expect(call(INVOKE_CHANNELS.getEngineConnection, undefined, makeEvent(window))).rejects.toThrow(/refused: it may only be called by the Crucible window/);
    expect(handler).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('refused "crucible:engine-connection"'));
  });

  it('refuses calls once the window is destroyed, and also when its page left the app origin', async () => {
    const { window, router, call, fromWindow } = setup();
    router.handle('getAppVersion', () => '1.0.0');
    window.webContents.mainFrame.url = 'https://evil.example/';
    await expect(call(INVOKE_CHANNELS.getAppVersion, undefined, fromWindow)).rejects.toThrow(/refused/);
    window.webContents.mainFrame.url = `${APP}/`;
    window.destroyed = true;
    await expect(call(INVOKE_CHANNELS.getAppVersion, undefined, fromWindow)).rejects.toThrow(/refused/);
  });

  it('removes its handlers when disposed', () => {
    const { router, ipcMain } = setup();
    router.handle('getAppVersion', () => '1');
    router.handle('listRecentFiles', () => []);
    router.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('sendToWindow', () => {
  it('pushes on the contract channel and does nothing once the window is gone', () => {
    const window = fakeWindow();
    sendToWindow(window as never, 'engineStatus', { state: 'starting', restarts: 0 });
    expect(window.webContents.send).toHaveBeenCalledWith(PUSH_CHANNELS.engineStatus, { state: 'starting', restarts: 0 });
    window.destroyed = true;
    sendToWindow(window as never, 'menuCommand', { command: 'run.run' });
    sendToWindow(null, 'menuCommand', { command: 'run.run' });
    expect(window.webContents.send).toHaveBeenCalledTimes(1);
  });
});

describe('registerDesktopHandlers', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crucible-handlers-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('answers every channel of the contract', async () => {
    const { router, ipcMain, call } = setup();
    const recent = new RecentFiles(path.join(folder, 'recent.json'));
    const log = new RotatingLog({ file: path.join(folder, 'engine.log') });
    log.write('engine ready\n');
    const onDocumentState = vi.fn();
    const onWindowReady = vi.fn();
    registerDesktopHandlers(router, {
      files: new PipelineFiles(recent, { choosePipelineToOpen: async () => null, choosePipelineToSave: async () => null }),
      recent,
      log,
      appVersion: '0.1.0',
      engine: { connection: () => ({ url: APP, token: 't' }), status: { state: 'ready', url: APP, restarts: 0 } },
      pickPath: async ({ kind }) => (kind === 'directory' ? '/data' : null),
      revealFile: vi.fn(),
      onDocumentState,
      onWindowReady,
    });
    expect([...ipcMain.handlers.keys()].sort()).toEqual(INVOKE_NAMES.map((name) => INVOKE_CHANNELS[name]).sort());
    await expect(call(INVOKE_CHANNELS.getAppVersion, undefined)).resolves.toBe('0.1.0');
    await expect(call(INVOKE_CHANNELS.getEngineConnection, undefined)).resolves.toEqual({ url: APP, token: 't' });
    await expect(call(INVOKE_CHANNELS.readLogs, undefined)).resolves.toEqual({ file: log.file, text: 'engine ready\n' });
    await expect(call(INVOKE_CHANNELS.pickPath, { kind: 'directory' })).resolves.toBe('/data');
    await expect(call(INVOKE_CHANNELS.openPipelineDialog, undefined)).resolves.toBeNull();
    await call(INVOKE_CHANNELS.setDocumentState, { title: 'a', path: null, dirty: true });
    expect(onDocumentState).toHaveBeenCalledWith({ title: 'a', path: null, dirty: true });
    await call(INVOKE_CHANNELS.windowReady, undefined);
    expect(onWindowReady).toHaveBeenCalledTimes(1);
  });
});
