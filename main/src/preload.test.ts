// The preload's bridge: one frozen API under `crucibleDesktop`, each call on its contract channel (sync calls through
// sendSync), listeners that receive only the payload (never the IPC event), and nothing else exposed.
import { describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, INVOKE_NAMES, PUSH_CHANNELS, PUSH_NAMES, SYNC_CHANNELS, SYNC_NAMES, listenerMethodName, type DesktopApi } from '../../app/protocol/desktop-ipc.ts';

const electron = vi.hoisted(() => ({
  exposeInMainWorld: vi.fn(),
  ipcRenderer: { invoke: vi.fn(async (channel: string) => `reply from ${channel}`), sendSync: vi.fn((): unknown => ({ ok: true })), on: vi.fn(), removeListener: vi.fn() },
}));
vi.mock('electron', () => ({ contextBridge: { exposeInMainWorld: electron.exposeInMainWorld }, ipcRenderer: electron.ipcRenderer }));
await import('./preload.ts');

const [[globalName, api]] = electron.exposeInMainWorld.mock.calls as [[string, DesktopApi]];

describe('the preload API', () => {
  it('is exposed once, frozen, with exactly the contract’s methods', () => {
    expect(electron.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(globalName).toBe('crucibleDesktop');
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual([...INVOKE_NAMES, ...SYNC_NAMES, ...PUSH_NAMES.map(listenerMethodName)].sort());
    expect(Object.values(api).every((value) => typeof value === 'function')).toBe(true);
  });

  it('invokes each call on its own channel with the request as given', async () => {
    const request = { path: null, text: '{"format":"crucible.pipeline"}', saveAs: true };
    await expect(api.savePipeline(request)).resolves.toBe(`reply from ${INVOKE_CHANNELS.savePipeline}`);
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.savePipeline, request);
    await api.getEngineConnection();
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(INVOKE_CHANNELS.getEngineConnection, undefined);
  });

  it('sends a sync call on its channel, returning once main answered and throwing main’s message on a refusal', () => {
    const request = { text: '{"version":1}', path: null };
    expect(api.writeDraftNow(request)).toBeUndefined();
    expect(electron.ipcRenderer.sendSync).toHaveBeenLastCalledWith(SYNC_CHANNELS.writeDraftNow, request);
    electron.ipcRenderer.sendSync.mockReturnValueOnce({ ok: false, message: 'ENOSPC: no space left on device' });
    expect(() => api.writeDraftNow(request)).toThrow('ENOSPC: no space left on device');
    electron.ipcRenderer.sendSync.mockReturnValueOnce(undefined);
    expect(() => api.writeDraftNow(request)).toThrow(/"crucible:draft-write-now" got no answer from the main process/);
  });

  it('exposes revealFolder, which only passes the folder on to main (main decides whether it may be shown)', async () => {
    expect(typeof api.revealFolder).toBe('function');
    const request = { path: '/data/artifacts/export-1' };
    await expect(api.revealFolder(request)).resolves.toBe(`reply from ${INVOKE_CHANNELS.revealFolder}`);
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('crucible:folder-reveal', request);
  });

  it('hands listeners the payload only, and stops when unsubscribed', () => {
    const listener = vi.fn();
    const stop = api.onEngineStatus(listener);
    const [channel, forward] = electron.ipcRenderer.on.mock.calls.at(-1)! as [string, (event: unknown, payload: unknown) => void];
    expect(channel).toBe(PUSH_CHANNELS.engineStatus);
    const ipcEvent = { sender: { send: vi.fn() }, senderId: 0 };
    forward(ipcEvent, { state: 'ready', url: 'http://127.0.0.1:1', restarts: 0 });
    expect(listener).toHaveBeenCalledWith({ state: 'ready', url: 'http://127.0.0.1:1', restarts: 0 });
    expect(listener.mock.calls[0]).toHaveLength(1);
    stop();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(PUSH_CHANNELS.engineStatus, forward);
  });
});
