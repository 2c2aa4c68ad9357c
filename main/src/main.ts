// The Electron main process: takes the single-instance lock, starts the engine, locks down the session, opens the
// window on the engine-served canvas once it is healthy, wires IPC and the menu, and stops the engine on quit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { app, dialog, ipcMain, session, shell, type BrowserWindow, type Event } from 'electron';
import type { EngineStatus } from '../../app/protocol/desktop-ipc.ts';
import { dataDirFromArgv, pipelinePathsFromArgv } from './command-line.ts';
import { installContentSecurityPolicy } from './content-security-policy.ts';
import { registerDesktopHandlers } from './desktop-handlers.ts';
import { EngineSupervisor } from './engine-supervisor.ts';
import { createIpcRouter, isTrustedSender, sendToWindow } from './ipc.ts';
import { engineLaunch, rendererBuildDir } from './launch-config.ts';
import { installMenu } from './menu.ts';
import { guardWebContents, isSameOrigin, restrictPermissions } from './navigation-guard.ts';
import { PipelineFiles } from './pipeline-files.ts';
import { DraftFile } from './draft-file.ts';
import { RecentFiles } from './recent-files.ts';
import { RotatingLog } from './rotating-log.ts';
import { claimSingleInstance, confirmCloseWhenDirty, createMainWindow, focusWindow, windowTitle, type DocumentState } from './window.ts';

let window: BrowserWindow | null = null;
let appOrigin: string | null = null;
let documentState: DocumentState | null = null;
let rendererReady = false;
let engineStopped = false;
let supervisor: EngineSupervisor | null = null;
let files: PipelineFiles | null = null;
let recent: RecentFiles | null = null;
const pendingOpens: string[] = [];

const isAppUrl = (url: string) => appOrigin !== null && isSameOrigin(url, appOrigin);

if (!claimSingleInstance(app, onSecondInstance)) {
  app.quit();
} else {
  pendingOpens.push(...pipelinePathsFromArgv(process.argv, process.cwd()));
  app.on('open-file', (event, file) => {
    event.preventDefault();
    void openFromOs([file]);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', stopEngineBeforeQuit);
  app.whenReady().then(startApp, (error: unknown) => fail('Crucible could not start', error));
}

async function startApp(): Promise<void> {
  const log = new RotatingLog({ file: path.join(app.getPath('logs'), 'engine.log') });
  const staticDir = rendererBuildDir(app.getAppPath());
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    return fail('The canvas is not built', new Error(`${staticDir}/index.html is missing; run "npm run build:renderer" first`));
  }
  lockDownSession(log);
  supervisor = new EngineSupervisor({
    launch: engineLaunch({ isPackaged: app.isPackaged, appPath: app.getAppPath(), execPath: process.execPath, env: process.env }),
    log,
    dataDir: dataDirFromArgv(process.argv, process.env, process.cwd()),
    staticDir,
    onStatus: onEngineStatus,
  });
  recent = new RecentFiles(path.join(app.getPath('userData'), 'recent-files.json'), 10, (list) => {
    rebuildMenu(list, log);
    if (list[0]) app.addRecentDocument(list[0]);
    else app.clearRecentDocuments();
  });
  files = new PipelineFiles(recent, fileDialogs());
  window = createMainWindow({ preloadPath: path.join(import.meta.dirname, 'preload.cjs'), iconPath: path.join(app.getAppPath(), 'build', 'icon.png') });
  window.on('closed', () => (window = null));
  const draft = new DraftFile(path.join(app.getPath('userData'), 'studio-draft.json'));
  confirmCloseWhenDirty(window, () => documentState?.dirty ?? false, () => draft.discard());
  wireIpc(recent, log, draft);
  rebuildMenu(recent.list(), log);
  try {
    const connection = await supervisor.start();
    await loadCanvas(connection.url);
  } catch (error) {
    fail('The Crucible engine could not start', error, log.file);
  }
}

function lockDownSession(log: RotatingLog): void {
  installContentSecurityPolicy(session.defaultSession, isAppUrl);
  restrictPermissions(session.defaultSession, isAppUrl);
  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, { isAppUrl, openExternal: (url) => void shell.openExternal(url), log: (message) => log.note(message) }),
  );
}

function wireIpc(recent: RecentFiles, log: RotatingLog, draft: DraftFile): void {
  const router = createIpcRouter({ ipcMain, isTrustedSender: (event) => isTrustedSender(event, window, isAppUrl), log: (message) => log.note(message) });
  registerDesktopHandlers(router, {
    files: files!,
    recent,
    log,
    draft,
    appVersion: app.getVersion(),
    engine: supervisor!,
    pickPath: async ({ kind, title, filters }) => {
      const options = { title, filters, properties: [kind === 'directory' ? ('openDirectory' as const) : ('openFile' as const)] };
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    revealFile: (file) => shell.showItemInFolder(file),
    onDocumentState: (state) => {
      documentState = state;
      refreshTitle();
    },
    onWindowReady: () => {
      rendererReady = true;
      void openFromOs(pendingOpens.splice(0));
    },
  });
}

function rebuildMenu(recentFiles: string[], log: RotatingLog): void {
  installMenu({
    platform: process.platform,
    recentFiles,
    isDevelopment: !app.isPackaged,
    actions: {
      send: (command) => sendToWindow(window, 'menuCommand', command),
      nativeEdit: (action) => window?.webContents[action](),
      clearRecentFiles: () => recent?.clear(),
      revealLogs: () => shell.showItemInFolder(log.file),
    },
  });
}

function fileDialogs() {
  const filters = [{ name: 'Crucible pipelines', extensions: ['json'] }];
  return {
    async choosePipelineToOpen() {
      const options = { filters, properties: ['openFile' as const] };
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async choosePipelineToSave(suggestedName: string) {
      const options = { filters, defaultPath: suggestedName };
      const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return result.canceled ? null : (result.filePath ?? null);
    },
    async confirmReplace(file: string) {
      const options = { type: 'warning' as const, buttons: ['Replace', 'Cancel'], defaultId: 1, cancelId: 1, message: `"${path.basename(file)}" already exists. Replace it?`, detail: `Saving replaces the pipeline in ${path.dirname(file)}.` };
      const result = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
      return result.response === 0;
    },
  };
}

async function loadCanvas(url: string): Promise<void> {
  if (!window) return;
  appOrigin = new URL(url).origin;
  rendererReady = false;
  await window.loadURL(url);
}

function onEngineStatus(status: EngineStatus): void {
  sendToWindow(window, 'engineStatus', status);
  refreshTitle();
  // A restart that could not get the old port back moves the canvas to the new origin.
  if (status.state === 'ready' && appOrigin && !isSameOrigin(status.url, appOrigin)) void loadCanvas(status.url);
  if (status.state === 'failed' && appOrigin && window) {
    void dialog
      .showMessageBox(window, { type: 'error', message: 'The Crucible engine stopped and could not be restarted.', detail: status.reason, buttons: ['Show Log Folder', 'OK'] })
      .then(({ response }) => response === 0 && shell.showItemInFolder(status.logFile));
  }
}

function refreshTitle(): void {
  if (!window || window.isDestroyed()) return;
  const state = supervisor?.status.state;
  const note = state === 'restarting' || state === 'starting' ? 'engine restarting…' : state === 'failed' ? 'engine stopped' : null;
  window.setTitle(windowTitle(documentState, appOrigin ? note : null));
  window.setDocumentEdited(documentState?.dirty ?? false);
}

async function openFromOs(paths: string[]): Promise<void> {
  if (!files || !rendererReady) {
    pendingOpens.push(...paths);
    return;
  }
  for (const file of paths) {
    try {
      sendToWindow(window, 'pipelineOpened', await files.openFromOs(file));
    } catch (error) {
      dialog.showErrorBox('Cannot open pipeline', error instanceof Error ? error.message : String(error));
    }
  }
}

function onSecondInstance(argv: string[], workingDirectory: string): void {
  focusWindow(window);
  void openFromOs(pipelinePathsFromArgv(argv, workingDirectory));
}

function stopEngineBeforeQuit(event: Event): void {
  if (engineStopped || !supervisor) return;
  event.preventDefault();
  void supervisor.stop().finally(() => {
    engineStopped = true;
    app.quit();
  });
}

function fail(title: string, error: unknown, logFile?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox(title, logFile ? `${message}\n\nEngine log: ${logFile}` : message);
  app.quit();
}
