// Typed IPC for the main process: each handler is registered under a channel from app/protocol/desktop-ipc.ts, runs
// only for messages from the app's own window and page, and receives its request already checked by the zod schema.
import type { BrowserWindow, IpcMain, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import type { z } from 'zod';
import { INVOKE_REQUEST_SCHEMAS, SYNC_REQUEST_SCHEMAS } from '../../app/protocol/desktop-ipc-schemas.ts';
import {
  INVOKE_CHANNELS,
  PUSH_CHANNELS,
  SYNC_CHANNELS,
  type InvokeName,
  type InvokeResponses,
  type ParsedInvokeRequest,
  type ParsedSyncRequest,
  type PushName,
  type PushPayloads,
  type SyncName,
  type SyncReply,
} from '../../app/protocol/desktop-ipc.ts';

export type InvokeHandler<N extends InvokeName> = (
  request: ParsedInvokeRequest<N>,
  event: IpcMainInvokeEvent,
) => InvokeResponses[N] | Promise<InvokeResponses[N]>;

/** Runs while the page waits: it must finish its work before returning (no promises). */
export type SyncHandler<N extends SyncName> = (request: ParsedSyncRequest<N>, event: IpcMainEvent) => void;

/** What the sender checks read of an IPC event, invoked or sent synchronously. */
export type IpcSenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

export interface IpcRouterOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeAllListeners'>;
  isTrustedSender: (event: IpcSenderEvent) => boolean;
  log?: (message: string) => void;
}

export interface IpcRouter {
  handle<N extends InvokeName>(name: N, handler: InvokeHandler<N>): void;
  handleSync<N extends SyncName>(name: N, handler: SyncHandler<N>): void;
  dispose(): void;
}

export function createIpcRouter(options: IpcRouterOptions): IpcRouter {
  const invokeChannels: string[] = [];
  const syncChannels: string[] = [];
  /** The request, checked: throws when the sender is not the app's window or the request breaks its schema. */
  const checked = (channel: string, schema: z.ZodType, event: IpcSenderEvent, raw: unknown): unknown => {
    if (!options.isTrustedSender(event)) {
      const from = event.senderFrame?.url ?? 'a destroyed frame';
      options.log?.(`refused "${channel}" from ${from}`);
      throw new Error(`"${channel}" refused: it may only be called by the Crucible window`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; ');
      throw new Error(`"${channel}": invalid request (${problems})`);
    }
    return parsed.data;
  };
  return {
    handle(name, handler) {
      const channel = INVOKE_CHANNELS[name];
      const schema = INVOKE_REQUEST_SCHEMAS[name];
      options.ipcMain.handle(channel, async (event, raw: unknown) => handler(checked(channel, schema, event, raw) as ParsedInvokeRequest<typeof name>, event));
      invokeChannels.push(channel);
    },
    handleSync(name, handler) {
      const channel = SYNC_CHANNELS[name];
      const schema = SYNC_REQUEST_SCHEMAS[name];
      options.ipcMain.on(channel, (event, raw: unknown) => {
        // Every path sets a reply: the page stays blocked until one is sent.
        let reply: SyncReply;
        try {
          handler(checked(channel, schema, event, raw) as ParsedSyncRequest<typeof name>, event);
          reply = { ok: true };
        } catch (error) {
          reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
        }
        event.returnValue = reply;
      });
      syncChannels.push(channel);
    },
    dispose() {
      for (const channel of invokeChannels.splice(0)) options.ipcMain.removeHandler(channel);
      for (const channel of syncChannels.splice(0)) options.ipcMain.removeAllListeners(channel);
    },
  };
}

/** True only for the top frame of the app's window, showing a page of the app's origin. */
export function isTrustedSender(event: IpcSenderEvent, window: BrowserWindow | null, isAppUrl: (url: string) => boolean): boolean {
  if (!window || window.isDestroyed()) return false;
  const frame = event.senderFrame;
  if (!frame || event.sender !== window.webContents) return false;
  if (frame !== window.webContents.mainFrame) return false;
  return isAppUrl(frame.url);
}

export function sendToWindow<N extends PushName>(window: BrowserWindow | null, name: N, payload: PushPayloads[N]): void {
  if (!window || window.isDestroyed()) return;
  window.webContents.send(PUSH_CHANNELS[name], payload);
}
