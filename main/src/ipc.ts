// Typed IPC for the main process: each handler is registered under a channel from app/protocol/desktop-ipc.ts, runs
// only for messages from the app's own window and page, and receives its request already checked by the zod schema.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { INVOKE_REQUEST_SCHEMAS } from '../../app/protocol/desktop-ipc-schemas.ts';
import {
  INVOKE_CHANNELS,
  PUSH_CHANNELS,
  type InvokeName,
  type InvokeResponses,
  type ParsedInvokeRequest,
  type PushName,
  type PushPayloads,
} from '../../app/protocol/desktop-ipc.ts';

export type InvokeHandler<N extends InvokeName> = (
  request: ParsedInvokeRequest<N>,
  event: IpcMainInvokeEvent,
) => InvokeResponses[N] | Promise<InvokeResponses[N]>;

export interface IpcRouterOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  log?: (message: string) => void;
}

export interface IpcRouter {
  handle<N extends InvokeName>(name: N, handler: InvokeHandler<N>): void;
  dispose(): void;
}

export function createIpcRouter(options: IpcRouterOptions): IpcRouter {
  const registered: string[] = [];
  return {
    handle(name, handler) {
      const channel = INVOKE_CHANNELS[name];
      const schema = INVOKE_REQUEST_SCHEMAS[name];
      options.ipcMain.handle(channel, async (event, raw: unknown) => {
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
        return handler(parsed.data as ParsedInvokeRequest<typeof name>, event);
      });
      registered.push(channel);
    },
    dispose() {
      for (const channel of registered.splice(0)) options.ipcMain.removeHandler(channel);
    },
  };
}

/** True only for the top frame of the app's window, showing a page of the app's origin. */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null, isAppUrl: (url: string) => boolean): boolean {
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
