// The main process's wiring with Electron and the engine supervisor faked: engine first, then the canvas; status
// pushed to the window; files from the command line and the OS; the engine stopped before quitting; one instance.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, PUSH_CHANNELS, SYNC_CHANNELS, type EngineStatus } from '../../app/protocol/desktop-ipc.ts';

const fake = vi.hoisted(() => ({
  root: '',
  hasLock: true,
  app: null as any,
  windows: [] as any[],
  ipcHandlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
  ipcSyncListeners: new Map<string, (event: { returnValue?: unknown }, request: unknown) => void>(),
  supervisor: null as any,
}));

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeWindow extends EventEmitter {
    webContents = { mainFrame: { url: '' }, send: vi.fn(), undo: vi.fn() };
    setTitle = vi.fn();
    setDocumentEdited = vi.fn();
    loadURL = vi.fn(async (url: string) => void (this.webContents.mainFrame.url = url));
    constructor(readonly options: unknown) {
      super();
      fake.windows.push(this);
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    show = vi.fn();
    focus = vi.fn();
  }
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => fake.hasLock,
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => path.join(fake.root, 'paths', name),
    getAppPath: () => fake.root,
    getVersion: () => '0.1.0',
    isPackaged: false,
    quit: vi.fn(),
    addRecentDocument: vi.fn(),
    clearRecentDocuments: vi.fn(),
  });
  fake.app = app;
  const session = { webRequest: { onHeadersReceived: vi.fn() }, setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
  return {
    app,
    BrowserWindow: FakeWindow,
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 1 })), showMessageBoxSync: vi.fn(), showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    ipcMain: {
      handle: (channel: string, handler: never) => fake.ipcHandlers.set(channel, handler),
      removeHandler: vi.fn(),
      on: (channel: string, listener: never) => fake.ipcSyncListeners.set(channel, listener),
      removeAllListeners: vi.fn(),
    },
    session: { defaultSession: session },
    shell: { openExternal: vi.fn(), showItemInFolder: vi.fn() },
    Menu: { buildFromTemplate: vi.fn(() => ({})), setApplicationMenu: vi.fn() },
  };
});

vi.mock('./engine-supervisor.ts', () => ({
  EngineSupervisor: class {
    token = 'per-launch-token';
    status: EngineStatus = { state: 'stopped', restarts: 0 };
    stop = vi.fn(async () => 'exited');
    constructor(readonly options: { onStatus: (status: EngineStatus) => void }) {
      fake.supervisor = this;
    }
    report(status: EngineStatus) {
      this.status = status;
      this.options.onStatus(status);
    }
    async start() {
      this.report({ state: 'starting', restarts: 0 });
      this.report({ state: 'ready', url: 'http://127.0.0.1:5555', restarts: 0 });
      return { url: 'http://127.0.0.1:5555', token: this.token };
    }
    connection() {
      return this.status.state === 'ready' ? { url: this.status.url, token: this.token } : null;
    }
  },
}));

const originalArgv = process.argv;
let pipeline: string;

beforeEach(() => {
  vi.resetModules();
  fake.root = mkdtempSync(path.join(tmpdir(), 'crucible-main-'));
  mkdirSync(path.join(fake.root, 'renderer', 'dist'), { recursive: true });
  writeFileSync(path.join(fake.root, 'renderer', 'dist', 'index.html'), '<!doctype html>');
  pipeline = path.join(fake.root, 'shakespeare.crucible.json');
  writeFileSync(pipeline, '{"format":"crucible.pipeline"}');
  fake.hasLock = true;
  forgetLaunch();
});
afterEach(() => {
  process.argv = originalArgv;
  rmSync(fake.root, { recursive: true, force: true });
});

async function launch(argv: string[] = []) {
  process.argv = ['electron', '.', ...argv];
  await import('./main.ts');
  await vi.waitFor(() => expect(fake.windows[0]?.loadURL).toHaveBeenCalled());
  const window = fake.windows[0];
  const call = (name: keyof typeof INVOKE_CHANNELS, request?: unknown) =>
    fake.ipcHandlers.get(INVOKE_CHANNELS[name])!({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, request);
  /** As `ipcRenderer.sendSync`: main's reply is on the event when the listener returns. */
  const callSync = (name: keyof typeof SYNC_CHANNELS, request: unknown) => {
    const event: { sender: unknown; senderFrame: unknown; returnValue?: unknown } = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
    fake.ipcSyncListeners.get(SYNC_CHANNELS[name])!(event, request);
    return event.returnValue;
  };
  const pushed = (channel: string) => window.webContents.send.mock.calls.filter(([name]: [string]) => name === channel).map(([, payload]: [string, unknown]) => payload);
  return { window, call, callSync, pushed };
}

/** Quits and starts again on the same user-data folder: a fresh main process, with nothing kept in memory. */
async function relaunch(argv: string[] = []) {
  vi.resetModules();
  forgetLaunch();
  return launch(argv);
}

/** What the last launch left on the fakes, the app's listeners included: the fake app outlives each main.ts import,
 * and an earlier launch's 'will-quit' or 'open-file' listener would still answer the next launch's events. */
function forgetLaunch() {
  fake.app?.removeAllListeners();
  fake.windows.length = 0;
  fake.ipcHandlers.clear();
  fake.ipcSyncListeners.clear();
}

describe('main', () => {
  it('starts the engine with the renderer build, then loads the canvas it serves and tells the window', async () => {
    const { window, call, pushed } = await launch();
    expect(fake.supervisor.options.staticDir).toBe(path.join(fake.root, 'renderer', 'dist'));
    expect(fake.supervisor.options.launch.args).toContain(path.join(fake.root, 'dist', 'node', 'engine.js'));
    expect(window.loadURL).toHaveBeenCalledWith('http://127.0.0.1:5555');
    expect(pushed(PUSH_CHANNELS.engineStatus).map((status: EngineStatus) => status.state)).toEqual(['starting', 'ready']);
    await expect(call('getEngineConnection')).resolves.toEqual({ url: 'http://127.0.0.1:5555', token: 'per-launch-token' });
    await expect(call('getAppVersion')).resolves.toBe('0.1.0');
  });

  it('says in the title that the engine is restarting, and follows it to a new port', async () => {
    const { window, pushed } = await launch();
    fake.supervisor.report({ state: 'restarting', reason: 'the engine stopped unexpectedly (killed by SIGKILL)', restarts: 1, retryInMs: 500 });
    expect(window.setTitle).toHaveBeenLastCalledWith('Crucible (engine restarting…)');
    expect(pushed(PUSH_CHANNELS.engineStatus).at(-1)).toMatchObject({ state: 'restarting', restarts: 1 });
    fake.supervisor.report({ state: 'ready', url: 'http://127.0.0.1:6666', restarts: 1 });
    expect(window.setTitle).toHaveBeenLastCalledWith('Crucible');
    expect(window.loadURL).toHaveBeenLastCalledWith('http://127.0.0.1:6666');
  });

  it('opens a pipeline from the command line or the OS once the renderer is ready', async () => {
    const { call, pushed, window } = await launch([pipeline]);
    expect(pushed(PUSH_CHANNELS.pipelineOpened)).toEqual([]);
    await call('windowReady');
    await vi.waitFor(() => expect(pushed(PUSH_CHANNELS.pipelineOpened)).toEqual([{ path: pipeline, text: '{"format":"crucible.pipeline"}' }]));
    fake.app.emit('open-file', { preventDefault: vi.fn() }, pipeline);
    fake.app.emit('second-instance', {}, ['crucible', 'shakespeare.crucible.json'], fake.root);
    await vi.waitFor(() => expect(pushed(PUSH_CHANNELS.pipelineOpened)).toHaveLength(3));
    expect(window.show).toHaveBeenCalled();
    await expect(call('listRecentFiles')).resolves.toEqual([pipeline]);
  });

  it('after a restart, saves to the file the restored draft belongs to, only when the user had picked it', async () => {
    const first = await launch();
    const { dialog } = await import('electron');
    vi.mocked(dialog.showOpenDialog).mockResolvedValueOnce({ canceled: false, filePaths: [pipeline] });
    await first.call('openPipelineDialog');
    await first.call('writeDraft', { text: '{"draft":1}', path: pipeline });

    const second = await relaunch();
    await expect(second.call('savePipeline', { path: pipeline, text: 'too early', saveAs: false })).rejects.toThrow(/refused/);
    await expect(second.call('readDraft')).resolves.toBe('{"draft":1}');
    await expect(second.call('savePipeline', { path: pipeline, text: 'saved after a restart', saveAs: false })).resolves.toEqual({ path: pipeline });
    expect(readFileSync(pipeline, 'utf8')).toBe('saved after a restart');

    // The page names a file the user never picked: the draft is kept, the file is not recorded, nothing is granted.
    const victim = path.join(fake.root, 'victim.crucible.json');
    writeFileSync(victim, 'keep me');
    await second.call('writeDraft', { text: '{"draft":2}', path: victim });
    const third = await relaunch();
    await expect(third.call('readDraft')).resolves.toBe('{"draft":2}');
    await expect(third.call('savePipeline', { path: victim, text: 'overwritten', saveAs: false })).rejects.toThrow(/refused/);
    await expect(third.call('savePipeline', { path: pipeline, text: 'overwritten', saveAs: false })).rejects.toThrow(/refused/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('writes the draft the page sends synchronously as its window closes, and the next launch reads it back', async () => {
    const { window, callSync } = await launch();
    window.emit('close', { preventDefault: vi.fn() });
    expect(callSync('writeDraftNow', { text: '{"draft":"last edits"}', path: null })).toEqual({ ok: true });
    expect(callSync('writeDraftNow', { text: 3, path: null })).toMatchObject({ ok: false, message: expect.stringMatching(/invalid request/) });
    const next = await relaunch();
    await expect(next.call('readDraft')).resolves.toBe('{"draft":"last edits"}');
  });

  it('forgets the draft when the user closes without saving, the flush that follows the prompt included', async () => {
    const { window, call, callSync } = await launch();
    await call('writeDraft', { text: '{"draft":"earlier"}', path: null });
    await call('setDocumentState', { title: 'a.crucible.json', path: null, dirty: true });
    const { dialog } = await import('electron');
    vi.mocked(dialog.showMessageBoxSync).mockReturnValueOnce(0); // "Close Without Saving"
    const event = { preventDefault: vi.fn() };
    window.emit('close', event);
    expect(event.preventDefault).not.toHaveBeenCalled();
    expect(callSync('writeDraftNow', { text: '{"draft":"unsaved edits"}', path: null })).toEqual({ ok: true });
    const next = await relaunch();
    await expect(next.call('readDraft')).resolves.toBeNull();
  });

  it('stops the engine before the app quits', async () => {
    await launch();
    const event = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(fake.supervisor.stop).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    const second = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', second);
    expect(second.preventDefault).not.toHaveBeenCalled();
  });

  it('quits at once when another instance holds the lock', async () => {
    fake.hasLock = false;
    process.argv = ['electron', '.'];
    await import('./main.ts');
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.windows).toHaveLength(0);
  });
});
