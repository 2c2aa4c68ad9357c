// What the main process answers on each IPC channel: files and recent files, path pickers, the title bar's document
// state, the engine's connection and status, the app version, the engine log, artifact folders shown in the file
// manager, "the renderer is ready", and the studio's draft (also written synchronously, as the window goes).
import type { EngineConnection, EngineStatus, ParsedInvokeRequest } from '../../app/protocol/desktop-ipc.ts';
import type { DraftFile } from './draft-file.ts';
import type { IpcRouter } from './ipc.ts';
import type { PipelineFiles } from './pipeline-files.ts';
import { folderToReveal } from './reveal-folder.ts';
import type { RecentFiles } from './recent-files.ts';
import type { RotatingLog } from './rotating-log.ts';
import type { DocumentState } from './window.ts';

export interface DesktopHandlerDeps {
  files: PipelineFiles;
  recent: RecentFiles;
  log: RotatingLog;
  draft: DraftFile;
  appVersion: string;
  engine: { connection(): EngineConnection | null; readonly status: EngineStatus; readonly dataDir: string | null };
  pickPath: (request: ParsedInvokeRequest<'pickPath'>) => Promise<string | null>;
  /** Selects a file or folder in the file manager without opening it (`shell.showItemInFolder`). */
  revealFile: (file: string) => void;
  onDocumentState: (state: DocumentState) => void;
  onWindowReady: () => void;
}

export function registerDesktopHandlers(router: IpcRouter, deps: DesktopHandlerDeps): void {
  router.handle('openPipelineDialog', () => deps.files.openWithDialog());
  router.handle('openRecentPipeline', ({ path }) => deps.files.openRecent(path));
  router.handle('savePipeline', (request) => deps.files.save(request));
  router.handle('listRecentFiles', () => deps.recent.list());
  router.handle('clearRecentFiles', () => deps.recent.clear());
  router.handle('pickPath', (request) => deps.pickPath(request));
  router.handle('setDocumentState', (state) => deps.onDocumentState(state));
  router.handle('getEngineConnection', () => deps.engine.connection());
  router.handle('getEngineStatus', () => deps.engine.status);
  router.handle('getAppVersion', () => deps.appVersion);
  router.handle('readLogs', (request) => ({ file: deps.log.file, text: deps.log.readTail(request?.maxBytes ?? 256 * 1024) }));
  router.handle('revealLogs', () => deps.revealFile(deps.log.file));
  router.handle('revealFolder', async (request) => deps.revealFile(await folderToReveal(request, deps.engine.dataDir)));
  router.handle('windowReady', () => deps.onWindowReady());
  router.handle('readDraft', () => readDraft(deps));
  router.handle('writeDraft', (request) => writeDraft(deps, request));
  router.handleSync('writeDraftNow', (request) => writeDraft(deps, request));
}

/**
 * The draft's file may be saved again after a restart without the user picking it anew, but the renderer must not
 * gain a way to write anywhere: the draft's text (and the path in it) comes from the page, so it grants nothing.
 * Main records the file beside the text only when the window may save to it at that moment (the user picked or
 * opened it), and on reading the draft back grants that recorded path alone.
 */
function readDraft(deps: DesktopHandlerDeps): string | null {
  const kept = deps.draft.read();
  if (kept?.file) deps.files.regrant(kept.file);
  return kept?.text ?? null;
}

function writeDraft(deps: DesktopHandlerDeps, { text, path }: ParsedInvokeRequest<'writeDraft'>): void {
  deps.draft.write({ text, file: path === null ? null : deps.files.grantedPath(path) });
}
