// The preload: puts one small typed API (`window.crucibleDesktop`, see app/protocol/desktop-ipc.ts) into the page
// through contextBridge. The page never sees ipcRenderer, IPC events or any Node API.
import { contextBridge, ipcRenderer, type IpcRenderer } from 'electron';
import {
  DESKTOP_API_GLOBAL,
  INVOKE_CHANNELS,
  INVOKE_NAMES,
  PUSH_CHANNELS,
  PUSH_NAMES,
  SYNC_CHANNELS,
  SYNC_NAMES,
  listenerMethodName,
  type DesktopApi,
  type SyncReply,
} from '../../app/protocol/desktop-ipc.ts';

export function createDesktopApi(ipc: Pick<IpcRenderer, 'invoke' | 'sendSync' | 'on' | 'removeListener'>): DesktopApi {
  const api: Record<string, unknown> = {};
  for (const name of INVOKE_NAMES) {
    const channel = INVOKE_CHANNELS[name];
    api[name] = (request?: unknown) => ipc.invoke(channel, request);
  }
  for (const name of SYNC_NAMES) {
    const channel = SYNC_CHANNELS[name];
    api[name] = (request: unknown) => {
      const reply = ipc.sendSync(channel, request) as SyncReply | undefined;
      if (!reply?.ok) throw new Error(reply?.message ?? `"${channel}" got no answer from the main process`);
    };
  }
  for (const name of PUSH_NAMES) {
    const channel = PUSH_CHANNELS[name];
    api[listenerMethodName(name)] = (listener: (payload: unknown) => void) => {
      // Only the payload crosses over: the IPC event would hand the page a way to reach ipcRenderer.
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, forward);
      return () => void ipc.removeListener(channel, forward);
    };
  }
  return Object.freeze(api) as unknown as DesktopApi;
}

contextBridge.exposeInMainWorld(DESKTOP_API_GLOBAL, createDesktopApi(ipcRenderer));
