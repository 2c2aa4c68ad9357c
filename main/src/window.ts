// The app's one window: locked-down web preferences (context isolation, sandbox, no Node), shown only once the
// canvas has loaded, a prompt before closing over unsaved changes, and the single-instance lock.
import { BrowserWindow, dialog, type App, type WebPreferences } from 'electron';

export interface DocumentState {
  title: string;
  path: string | null;
  dirty: boolean;
}

/** Everything the Electron security checklist asks of a window that shows app content. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function createMainWindow(options: { preloadPath: string; iconPath?: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Crucible',
    backgroundColor: '#16181d',
    icon: options.iconPath,
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  return window;
}

export function windowTitle(document: DocumentState | null, engineNote: string | null): string {
  const name = document ? `${document.dirty ? '• ' : ''}${document.title} — Crucible` : 'Crucible';
  return engineNote ? `${name} (${engineNote})` : name;
}

/**
 * Asks before a window with unsaved changes closes; `isDirty` is read at the moment of closing, and `onDiscard` runs
 * when the user chooses to close without saving.
 */
export function confirmCloseWhenDirty(window: BrowserWindow, isDirty: () => boolean, onDiscard: () => void): void {
  window.on('close', (event) => {
    if (!isDirty()) return;
    const choice = dialog.showMessageBoxSync(window, {
      type: 'warning',
      buttons: ['Close Without Saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'This pipeline has unsaved changes.',
      detail: 'Closing now discards them. Choose Cancel, then File › Save to keep them.',
    });
    if (choice === 0) onDiscard();
    else event.preventDefault();
  });
}

/** Takes the single-instance lock; a later launch hands its argv to `onSecondInstance` here and quits. */
export function claimSingleInstance(app: App, onSecondInstance: (argv: string[], workingDirectory: string) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv, workingDirectory) => onSecondInstance(argv, workingDirectory));
  return true;
}

export function focusWindow(window: BrowserWindow | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
