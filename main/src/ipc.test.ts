// IPC on the main side: who may call (the app window's top frame on the app origin) and what (requests checked by
// their zod schema before a handler runs); pushes go out on the contract's channels.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, INVOKE_NAMES, PUSH_CHANNELS, SYNC_CHANNELS, SYNC_NAMES } from '../../app/protocol/desktop-ipc.ts';
import { DraftFile } from './draft-file.ts';
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
  const syncListeners = new Map<string, (event: { returnValue?: unknown }, request: unknown) => void>();
  return {
    handlers,
    syncListeners,
    handle: (channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) => void handlers.set(channel, handler),
    removeHandler: (channel: string) => void handlers.delete(channel),
    on: (channel: string, listener: (event: { returnValue?: unknown }, request: unknown) => void) => void syncListeners.set(channel, listener),
    removeAllListeners: (channel: string) => void syncListeners.delete(channel),
  };
}

function setup() {
  const window = fakeWindow();
  const ipcMain = fakeIpcMain();
  const log = vi.fn();
  const router = createIpcRouter({ ipcMain: ipcMain as never, isTrustedSender: (event) => isTrustedSender(event, window as never, isAppUrl), log });
  const fromWindow = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const call = (channel: string, request: unknown, event: object = fromWindow) => ipcMain.handlers.get(channel)!(event, request);
  /** As `ipcRenderer.sendSync` sees it: the reply main left on the event. */
  const callSync = (channel: string, request: unknown, event: object = fromWindow) => {
    const sent: { returnValue?: unknown } = { ...event };
    ipcMain.syncListeners.get(channel)!(sent, request);
    return sent.returnValue;
  };
  return { window, ipcMain, router, log, call, callSync, fromWindow };
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
    router.handleSync('writeDraftNow', () => undefined);
    router.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.syncListeners.size).toBe(0);
  });

  it('answers a sync call once its handler is done, and turns every refusal or failure into a reply', () => {
    const { window, router, callSync, log } = setup();
    const written: unknown[] = [];
    router.handleSync('writeDraftNow', (request) => {
      if (request.text === 'disk full') throw new Error('ENOSPC: no space left on device');
      written.push(request);
    });
    expect(callSync(SYNC_CHANNELS.writeDraftNow, { text: '{}', path: null })).toEqual({ ok: true });
    expect(written).toEqual([{ text: '{}', path: null }]);
    expect(callSync(SYNC_CHANNELS.writeDraftNow, { text: 'disk full', path: null })).toEqual({ ok: false, message: 'ENOSPC: no space left on device' });
    expect(callSync(SYNC_CHANNELS.writeDraftNow, { text: '{}' })).toEqual({ ok: false, message: expect.stringMatching(/"crucible:draft-write-now": invalid request \(path:/) });
    const evil = { sender: window.webContents, senderFrame: { url: 'https://evil.example/' } };
    expect(callSync(SYNC_CHANNELS.writeDraftNow, { text: '{}', path: null }, evil)).toEqual({ ok: false, message: expect.stringMatching(/refused: it may only be called by the Crucible window/) });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('refused "crucible:draft-write-now"'));
    expect(written).toHaveLength(1);
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
    const { router, ipcMain, call, callSync } = setup();
    const recent = new RecentFiles(path.join(folder, 'recent.json'));
    const log = new RotatingLog({ file: path.join(folder, 'engine.log') });
    log.write('engine ready\n');
    const onDocumentState = vi.fn();
    const onWindowReady = vi.fn();
    registerDesktopHandlers(router, {
      files: new PipelineFiles(recent, { choosePipelineToOpen: async () => null, choosePipelineToSave: async () => null, confirmReplace: async () => false }),
      recent,
      log,
      draft: new DraftFile(path.join(folder, 'studio-draft.json')),
      appVersion: '0.1.0',
      engine: { connection: () => ({ url: APP, token: 't' }), status: { state: 'ready', url: APP, restarts: 0 }, dataDir: folder },
      pickPath: async ({ kind }) => (kind === 'directory' ? '/data' : null),
      revealFile: vi.fn(),
      onDocumentState,
      onWindowReady,
    });
    expect([...ipcMain.handlers.keys()].sort()).toEqual(INVOKE_NAMES.map((name) => INVOKE_CHANNELS[name]).sort());
    expect([...ipcMain.syncListeners.keys()].sort()).toEqual(SYNC_NAMES.map((name) => SYNC_CHANNELS[name]).sort());
    await expect(call(INVOKE_CHANNELS.getAppVersion, undefined)).resolves.toBe('0.1.0');
    await expect(call(INVOKE_CHANNELS.getEngineConnection, undefined)).resolves.toEqual({ url: APP, token: 't' });
    await expect(call(INVOKE_CHANNELS.readLogs, undefined)).resolves.toEqual({ file: log.file, text: 'engine ready\n' });
    await expect(call(INVOKE_CHANNELS.pickPath, { kind: 'directory' })).resolves.toBe('/data');
    await expect(call(INVOKE_CHANNELS.openPipelineDialog, undefined)).resolves.toBeNull();
    await call(INVOKE_CHANNELS.setDocumentState, { title: 'a', path: null, dirty: true });
    expect(onDocumentState).toHaveBeenCalledWith({ title: 'a', path: null, dirty: true });
    await call(INVOKE_CHANNELS.windowReady, undefined);
    expect(onWindowReady).toHaveBeenCalledTimes(1);
    await expect(call(INVOKE_CHANNELS.readDraft, undefined)).resolves.toBeNull();
    await call(INVOKE_CHANNELS.writeDraft, { text: '{"version":1}', path: null });
    await expect(call(INVOKE_CHANNELS.readDraft, undefined)).resolves.toBe('{"version":1}');
    await expect(call(INVOKE_CHANNELS.writeDraft, { text: 3 })).rejects.toThrow(/invalid request/);
    expect(callSync(SYNC_CHANNELS.writeDraftNow, { text: '{"version":2}', path: null })).toEqual({ ok: true });
    await expect(call(INVOKE_CHANNELS.readDraft, undefined)).resolves.toBe('{"version":2}');
  });
});

describe('revealFolder', () => {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'crucible-reveal-')));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const store = path.join(dataDir, 'artifacts');
  const outDir = path.join(root, 'models', 'tiny');
  const elsewhere = path.join(root, 'elsewhere');
  const artifact = (key: string, meta: Record<string, unknown>) => {
    const folder = path.join(store, key);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'artifact.json'), JSON.stringify({ key, type: 'Export', port: 'export', meta }));
    return folder;
  };
  const exported = artifact('export-1', { copiedTo: outDir });
  const corpus = artifact('corpus-1', {});
  // Resolves to outDir only against this process's working folder, which is not the engine's.
  const relativeCopy = artifact('export-2', { copiedTo: path.relative(process.cwd(), outDir) });
  mkdirSync(path.join(exported, 'crucible'), { recursive: true });
  writeFileSync(path.join(exported, 'README.md'), '# tiny');
  mkdirSync(outDir, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  symlinkSync(elsewhere, path.join(store, 'sneaky-link'));
  // A node's own files could hold a file named like the record; it must not vouch for a copy.
  writeFileSync(path.join(exported, 'crucible', 'artifact.json'), JSON.stringify({ meta: { copiedTo: elsewhere } }));

  function setupReveal(engineDataDir: string | null = dataDir) {
    const ipc = setup();
    const revealFile = vi.fn();
    const recent = new RecentFiles(path.join(root, 'recent.json'));
    registerDesktopHandlers(ipc.router, {
      files: new PipelineFiles(recent, { choosePipelineToOpen: async () => null, choosePipelineToSave: async () => null, confirmReplace: async () => false }),
      recent,
      log: new RotatingLog({ file: path.join(root, 'engine.log') }),
      draft: new DraftFile(path.join(root, 'studio-draft.json')),
      appVersion: '0.1.0',
      engine: { connection: () => null, status: { state: 'starting', restarts: 0 }, dataDir: engineDataDir },
      pickPath: async () => null,
      revealFile,
      onDocumentState: vi.fn(),
      onWindowReady: vi.fn(),
    });
    const reveal = (request: unknown, event?: object) => ipc.call(INVOKE_CHANNELS.revealFolder, request, event);
    return { ...ipc, revealFile, reveal };
  }

  it('shows an artifact folder of the engine’s store, and folders inside it', async () => {
    const { reveal, revealFile } = setupReveal();
    await reveal({ path: exported });
    await reveal({ path: path.join(exported, 'crucible') });
    expect(revealFile.mock.calls).toEqual([[exported], [path.join(exported, 'crucible')]]);
  });

  it('shows the copy an export recorded as its outDir, named with the export’s folder', async () => {
    const { reveal, revealFile } = setupReveal();
    await reveal({ path: outDir, copyOf: exported });
    expect(revealFile).toHaveBeenCalledWith(outDir);
  });

  it.each([
    ['a folder outside the store', () => ({ path: elsewhere }), /outside the engine's artifact store/],
    ['the store itself', () => ({ path: store }), /outside the engine's artifact store/],
    ['the data directory', () => ({ path: dataDir }), /outside the engine's artifact store/],
    ['a relative path', () => ({ path: 'artifacts/export-1' }), /not an absolute path/],
    ['a ".." escape', () => ({ path: `${exported}/../../../elsewhere` }), /must not contain "\.\." segments/],
    ['a file', () => ({ path: path.join(exported, 'README.md') }), /is a file; only folders are shown/],
    ['a missing folder', () => ({ path: path.join(store, 'gone') }), /does not exist/],
    ['a link in the store to a folder outside it', () => ({ path: path.join(store, 'sneaky-link') }), /outside the engine's artifact store/],
    ['an outDir without the export that recorded it', () => ({ path: outDir }), /outside the engine's artifact store/],
    ['a folder no artifact recorded as its copy', () => ({ path: elsewhere, copyOf: exported }), /not the folder the artifact .* records as its copy/],
    ['a copy an artifact recorded as a relative path', () => ({ path: outDir, copyOf: relativeCopy }), /not the folder the artifact .* records as its copy/],
    ['a copy vouched for by an artifact without one', () => ({ path: outDir, copyOf: corpus }), /records none/],
    ['a copy vouched for by a file below an artifact', () => ({ path: elsewhere, copyOf: path.join(exported, 'crucible') }), /not an artifact folder/],
    ['a copy vouched for by a folder outside the store', () => ({ path: outDir, copyOf: root }), /not an artifact folder/],
  ])('refuses %s, saying why', async (_what, request, reason) => {
    const { reveal, revealFile } = setupReveal();
    await expect(reveal(request())).rejects.toThrow(reason);
    expect(revealFile).not.toHaveBeenCalled();
  });

  it('refuses before the engine has reported its data directory', async () => {
    const { reveal, revealFile } = setupReveal(null);
    await expect(reveal({ path: exported })).rejects.toThrow(/has not reported its data directory/);
    expect(revealFile).not.toHaveBeenCalled();
  });

  it('refuses malformed requests and calls from anything but the app window', async () => {
    const { reveal, revealFile, window, log } = setupReveal();
    await expect(reveal({ path: exported, open: true })).rejects.toThrow(/invalid request/);
    await expect(reveal({ path: `${exported}\0` })).rejects.toThrow(/NUL/);
    await expect(reveal({ path: exported }, { sender: window.webContents, senderFrame: { url: 'https://evil.example/' } })).rejects.toThrow(/refused: it may only be called by the Crucible window/);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('refused "crucible:folder-reveal"'));
    expect(revealFile).not.toHaveBeenCalled();
  });
});
