// The desktop shell's IPC contract: channel names, payload types and the API the preload exposes to the renderer as
// `window.crucibleDesktop`. main/ validates each request with desktop-ipc-schemas.ts; renderer/ codes against DesktopApi.
import type { z } from 'zod';
import type { INVOKE_REQUEST_SCHEMAS, menuCommandSchema, SYNC_REQUEST_SCHEMAS } from './desktop-ipc-schemas.ts';

/** The global the preload puts the API on: `window.crucibleDesktop` (absent in a plain browser). */
export const DESKTOP_API_GLOBAL = 'crucibleDesktop';

export const PIPELINE_FILE_EXTENSION = '.crucible.json';
export const MAX_PIPELINE_TEXT_BYTES = 8 * 1024 * 1024;

/** Commands the native menu sends. In the desktop app the menu owns these shortcuts, so the renderer should not
 * handle the same keys itself. `edit.*` commands also run the native edit action: act on them only when focus is
 * not in a text field (there the native action already did the work). */
export const MENU_COMMANDS = [
  'file.new', 'file.open', 'file.save', 'file.saveAs', 'file.close',
  'edit.undo', 'edit.redo', 'edit.cut', 'edit.copy', 'edit.paste', 'edit.duplicate', 'edit.delete', 'edit.selectAll',
  'view.zoomIn', 'view.zoomOut', 'view.zoomReset', 'view.fit', 'view.togglePanels', 'view.toggleTheme', 'view.showLogs',
  'run.run', 'run.runToSelected', 'run.stop',
  'help.shortcuts', 'help.about',
] as const;
export type MenuCommandName = (typeof MENU_COMMANDS)[number];
/** `{ command }`, or `{ command: 'file.openRecent', path }` after which the renderer calls `openRecentPipeline`. */
export type MenuCommand = z.output<typeof menuCommandSchema>;

/** What the engine supervisor tells the window. `restarts` counts restarts since launch. */
export type EngineStatus =
  | { state: 'starting'; restarts: number }
  | { state: 'ready'; url: string; restarts: number }
  | { state: 'restarting'; reason: string; restarts: number; retryInMs: number }
  | { state: 'failed'; reason: string; restarts: number; logFile: string }
  | { state: 'stopped'; restarts: number };

export interface EngineConnection {
  url: string;
  token: string;
}

export interface OpenedPipeline {
  path: string;
  text: string;
}

export interface LogsView {
  file: string;
  /** The newest part of the engine log (older rotated files are kept beside it). */
  text: string;
}

/** Renderer → main calls with a reply (`ipcRenderer.invoke`). */
export const INVOKE_CHANNELS = {
  /** Resolves null when the dialog is cancelled. */
  openPipelineDialog: 'crucible:pipeline-open-dialog',
  /** Only paths on the recent list. */
  openRecentPipeline: 'crucible:pipeline-open-recent',
  /** Writes only to files the user opened or picked; otherwise (or with saveAs) a save dialog asks. */
  savePipeline: 'crucible:pipeline-save',
  listRecentFiles: 'crucible:recent-files-list',
  clearRecentFiles: 'crucible:recent-files-clear',
  /** A file or folder picker for path fields in the inspector. */
  pickPath: 'crucible:pick-path',
  /** The title bar and the close prompt follow this. */
  setDocumentState: 'crucible:document-state',
  getEngineConnection: 'crucible:engine-connection',
  getEngineStatus: 'crucible:engine-status-get',
  getAppVersion: 'crucible:app-version',
  readLogs: 'crucible:logs-read',
  revealLogs: 'crucible:logs-reveal',
  /** Shows a folder in the file manager: an artifact's folder in the engine's artifact store, or the folder an
   * artifact recorded as its copy (an export's outDir, with `copyOf` naming that artifact's folder). Absolute paths
   * only; anything else is refused, and files are never opened. */
  revealFolder: 'crucible:folder-reveal',
  /** Call once the push listeners are attached: pipelines opened from the OS before then are delivered now. */
  windowReady: 'crucible:window-ready',
  /** The studio's draft (the document being edited, as renderer/src/store/draft.ts writes it) in the app's data
   * folder, so a reload or a crash loses nothing. Main keeps the text as given; the renderer checks it on read.
   * Reading it back also lets the window save again to the file the draft belongs to, when main recorded that file
   * as one the user picked (main/src/desktop-handlers.ts). */
  readDraft: 'crucible:draft-read',
  writeDraft: 'crucible:draft-write',
} as const;

/**
 * Renderer → main calls that hold the page until main has done the work (`ipcRenderer.sendSync`). Only for what must
 * be done before the page goes away: an `invoke` sent as the window closes may reach main after the window is gone
 * (electron/electron#4366), and its promise may never settle. The page waits while main works, so keep them short.
 */
export const SYNC_CHANNELS = {
  /** writeDraft, finished when the call returns: the pending draft, written as the window closes or reloads. */
  writeDraftNow: 'crucible:draft-write-now',
} as const;

export type SyncName = keyof typeof SYNC_CHANNELS;
export type SyncRequest<N extends SyncName> = z.input<(typeof SYNC_REQUEST_SCHEMAS)[N]>;
export type ParsedSyncRequest<N extends SyncName> = z.output<(typeof SYNC_REQUEST_SCHEMAS)[N]>;
/** What main answers on a sync channel: an error cannot cross `sendSync`, so its message comes back instead. */
export type SyncReply = { ok: true } | { ok: false; message: string };

export type InvokeName = keyof typeof INVOKE_CHANNELS;
export type InvokeRequest<N extends InvokeName> = z.input<(typeof INVOKE_REQUEST_SCHEMAS)[N]>;
export type ParsedInvokeRequest<N extends InvokeName> = z.output<(typeof INVOKE_REQUEST_SCHEMAS)[N]>;

/** What each call resolves with. */
export interface InvokeResponses {
  openPipelineDialog: OpenedPipeline | null;
  openRecentPipeline: OpenedPipeline;
  /** The path written, or null when the save dialog was cancelled. */
  savePipeline: { path: string } | null;
  listRecentFiles: string[];
  clearRecentFiles: void;
  pickPath: string | null;
  setDocumentState: void;
  /** null until the engine is ready. */
  getEngineConnection: EngineConnection | null;
  getEngineStatus: EngineStatus;
  getAppVersion: string;
  readLogs: LogsView;
  revealLogs: void;
  revealFolder: void;
  windowReady: void;
  /** null when no draft was kept. */
  readDraft: string | null;
  writeDraft: void;
}

/** Main → renderer messages (`webContents.send`). */
export const PUSH_CHANNELS = {
  menuCommand: 'crucible:menu-command',
  engineStatus: 'crucible:engine-status',
  /** A pipeline opened from outside the window: the command line, a double-click, a second launch. */
  pipelineOpened: 'crucible:pipeline-opened',
} as const;

export interface PushPayloads {
  menuCommand: MenuCommand;
  engineStatus: EngineStatus;
  pipelineOpened: OpenedPipeline;
}
export type PushName = keyof typeof PUSH_CHANNELS;

type InvokeMethods = {
  [N in InvokeName]: undefined extends InvokeRequest<N>
    ? (request?: InvokeRequest<N>) => Promise<InvokeResponses[N]>
    : (request: InvokeRequest<N>) => Promise<InvokeResponses[N]>;
};

/** A sync call returns once main has done the work, and throws with main's message when it could not. */
type SyncMethods = { [N in SyncName]: (request: SyncRequest<N>) => void };

type ListenerMethodName<N extends PushName> = `on${Capitalize<N>}`;
type ListenerMethods = {
  [N in PushName as ListenerMethodName<N>]: (listener: (payload: PushPayloads[N]) => void) => () => void;
};

/** `window.crucibleDesktop`: every call above as a method, plus `onMenuCommand`, `onEngineStatus` and
 * `onPipelineOpened`, each returning a function that stops listening. */
export type DesktopApi = InvokeMethods & SyncMethods & ListenerMethods;

export const INVOKE_NAMES = Object.keys(INVOKE_CHANNELS) as InvokeName[];
export const SYNC_NAMES = Object.keys(SYNC_CHANNELS) as SyncName[];
export const PUSH_NAMES = Object.keys(PUSH_CHANNELS) as PushName[];

export function listenerMethodName<N extends PushName>(name: N): ListenerMethodName<N> {
  return `on${name[0]!.toUpperCase()}${name.slice(1)}` as ListenerMethodName<N>;
}
