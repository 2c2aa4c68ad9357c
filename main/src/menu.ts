// The native menu. Every item sends a typed command to the renderer (app/protocol/desktop-ipc.ts), which owns the
// document and the canvas; edit items also run the native edit action so text fields keep working.
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, MenuCommandName } from '../../app/protocol/desktop-ipc.ts';

export type NativeEditAction = 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll';

export interface MenuActions {
  send: (command: MenuCommand) => void;
  nativeEdit: (action: NativeEditAction) => void;
  clearRecentFiles: () => void;
  revealLogs: () => void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  recentFiles: readonly string[];
  /** Adds the developer tools toggle. */
  isDevelopment: boolean;
  actions: MenuActions;
}

type Item = MenuItemConstructorOptions;

export function menuTemplate(options: MenuOptions): Item[] {
  const isMac = options.platform === 'darwin';
  const template: Item[] = [fileMenu(options, isMac), editMenu(options), viewMenu(options), runMenu(options), helpMenu(options)];
  return isMac ? [{ role: 'appMenu' }, ...template] : template;
}

export function installMenu(options: MenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(options)));
}

function command(label: string, name: MenuCommandName, actions: MenuActions, accelerator?: string): Item {
  return { id: name, label, accelerator, click: () => actions.send({ command: name }) };
}

/** Runs the native action first (for text fields), then tells the renderer (for the canvas). */
function editCommand(label: string, name: MenuCommandName, native: NativeEditAction, actions: MenuActions, accelerator?: string): Item {
  return {
    id: name,
    label,
    accelerator,
    click: () => {
      actions.nativeEdit(native);
      actions.send({ command: name });
    },
  };
}

function fileMenu({ actions, recentFiles }: MenuOptions, isMac: boolean): Item {
  const recent: Item[] = recentFiles.map((file) => ({ label: file, click: () => actions.send({ command: 'file.openRecent', path: file }) }));
  return {
    label: 'File',
    submenu: [
      command('New', 'file.new', actions, 'CmdOrCtrl+N'),
      command('Open…', 'file.open', actions, 'CmdOrCtrl+O'),
      {
        id: 'file.openRecent',
        label: 'Open Recent',
        submenu: [
          ...(recent.length > 0 ? recent : [{ label: 'No Recent Files', enabled: false }]),
          { type: 'separator' },
          { id: 'file.clearRecent', label: 'Clear Recent', enabled: recent.length > 0, click: () => actions.clearRecentFiles() },
        ],
      },
      { type: 'separator' },
      command('Save', 'file.save', actions, 'CmdOrCtrl+S'),
      command('Save As…', 'file.saveAs', actions, 'CmdOrCtrl+Shift+S'),
      { type: 'separator' },
      command('Close', 'file.close', actions, 'CmdOrCtrl+W'),
      ...(isMac ? [] : [{ type: 'separator' } as Item, { role: 'quit' } as Item]),
    ],
  };
}

function editMenu({ actions, platform }: MenuOptions): Item {
  return {
    label: 'Edit',
    submenu: [
      editCommand('Undo', 'edit.undo', 'undo', actions, 'CmdOrCtrl+Z'),
      editCommand('Redo', 'edit.redo', 'redo', actions, platform === 'win32' ? 'Ctrl+Y' : 'CmdOrCtrl+Shift+Z'),
      { type: 'separator' },
      editCommand('Cut', 'edit.cut', 'cut', actions, 'CmdOrCtrl+X'),
      editCommand('Copy', 'edit.copy', 'copy', actions, 'CmdOrCtrl+C'),
      editCommand('Paste', 'edit.paste', 'paste', actions, 'CmdOrCtrl+V'),
      command('Duplicate', 'edit.duplicate', actions, 'CmdOrCtrl+D'),
      // Shown but not registered: a registered Delete key would be taken from every text field.
      { ...command('Delete', 'edit.delete', actions, 'Delete'), registerAccelerator: false },
      { type: 'separator' },
      editCommand('Select All', 'edit.selectAll', 'selectAll', actions, 'CmdOrCtrl+A'),
    ],
  };
}

function viewMenu({ actions, isDevelopment }: MenuOptions): Item {
  return {
    label: 'View',
    submenu: [
      command('Zoom In', 'view.zoomIn', actions, 'CmdOrCtrl+='),
      command('Zoom Out', 'view.zoomOut', actions, 'CmdOrCtrl+-'),
      command('Actual Size', 'view.zoomReset', actions, 'CmdOrCtrl+0'),
      command('Fit View', 'view.fit', actions, 'CmdOrCtrl+1'),
      { type: 'separator' },
      command('Toggle Panels', 'view.togglePanels', actions, 'CmdOrCtrl+B'),
      command('Toggle Theme', 'view.toggleTheme', actions),
      command('Engine Logs', 'view.showLogs', actions, 'CmdOrCtrl+Shift+L'),
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(isDevelopment ? [{ role: 'toggleDevTools' } as Item] : []),
    ],
  };
}

function runMenu({ actions }: MenuOptions): Item {
  return {
    label: 'Run',
    submenu: [
      command('Run', 'run.run', actions, 'CmdOrCtrl+Enter'),
      command('Run to Selected', 'run.runToSelected', actions, 'CmdOrCtrl+Shift+Enter'),
      command('Stop', 'run.stop', actions, 'CmdOrCtrl+.'),
    ],
  };
}

function helpMenu({ actions }: MenuOptions): Item {
  return {
    role: 'help',
    submenu: [
      command('Keyboard Shortcuts', 'help.shortcuts', actions, 'CmdOrCtrl+/'),
      { id: 'help.revealLogs', label: 'Show Log Folder', click: () => actions.revealLogs() },
      { type: 'separator' },
      command('About Crucible', 'help.about', actions),
    ],
  };
}
