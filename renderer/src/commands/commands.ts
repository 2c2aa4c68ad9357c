// Every studio command in one table: id, label, shortcut and what it does. The toolbar, the keyboard and the
// desktop menu all run commands by id, so a command behaves the same wherever it is started.
import type { DesktopApi } from '../../../app/protocol/desktop-ipc.ts';
import type { FileCommands } from '../files/file-commands.ts';
import type { StudioStore } from '../store/studio-store.ts';

export interface CommandContext {
  store: StudioStore;
  files: FileCommands;
  view: { fitView(): void; zoomIn(): void; zoomOut(): void; zoomReset(): void };
  /** The desktop app's API; null in a browser. */
  desktop: DesktopApi | null;
}

async function showEngineLogs({ store, desktop }: CommandContext): Promise<void> {
  if (!desktop) return store.getState().notify('info', 'Engine logs are shown in the terminal that runs "crucible studio"');
  try {
    const logs = await desktop.readLogs();
    store.getState().showOverlay({ kind: 'text', title: `Engine log — ${logs.file}`, text: logs.text });
  } catch (error) {
    store.getState().notify('error', `Cannot read the engine log: ${(error as Error).message}`);
  }
}

async function showAbout({ store, desktop }: CommandContext): Promise<void> {
  const version = desktop ? await desktop.getAppVersion().catch(() => 'unknown') : 'web';
  store.getState().showOverlay({ kind: 'text', title: 'About Crucible', text: `Crucible studio ${version}\nBuild, train, distill, quantize and serve language models from a node graph.` });
}

export interface Command {
  id: string;
  label: string;
  /** Shortcuts, e.g. "mod+shift+z"; copy, cut and paste also come through the browser's clipboard events. */
  keys: string[];
  perform(context: CommandContext): void;
}

export const COMMANDS: readonly Command[] = [
  { id: 'file.new', label: 'New', keys: ['alt+n'], perform: ({ files }) => files.newPipeline() },
  { id: 'file.open', label: 'Open…', keys: ['mod+o'], perform: ({ files }) => void files.open() },
  { id: 'file.save', label: 'Save', keys: ['mod+s'], perform: ({ files }) => void files.save() },
  { id: 'file.saveAs', label: 'Save As…', keys: ['mod+shift+s'], perform: ({ files }) => void files.saveAs() },
  { id: 'file.close', label: 'Close', keys: [], perform: ({ files }) => files.newPipeline() },
  { id: 'edit.undo', label: 'Undo', keys: ['mod+z'], perform: ({ store }) => void store.getState().undo() },
  { id: 'edit.redo', label: 'Redo', keys: ['mod+shift+z', 'mod+y'], perform: ({ store }) => void store.getState().redo() },
  { id: 'edit.duplicate', label: 'Duplicate', keys: ['mod+d'], perform: ({ store }) => void store.getState().duplicateSelection() },
  { id: 'edit.delete', label: 'Delete', keys: ['delete', 'backspace'], perform: ({ store }) => store.getState().deleteSelection() },
  { id: 'edit.selectAll', label: 'Select All', keys: ['mod+a'], perform: ({ store }) => store.getState().selectAll() },
  { id: 'edit.deselect', label: 'Deselect', keys: ['escape'], perform: ({ store }) => (store.getState().cancelConnection(), store.getState().clearSelection()) },
  { id: 'edit.layout', label: 'Auto-layout', keys: ['shift+l'], perform: ({ store, view }) => (store.getState().autoLayout(), setTimeout(() => view.fitView(), 0)) },
  { id: 'view.fit', label: 'Fit View', keys: ['shift+1'], perform: ({ view }) => view.fitView() },
  { id: 'view.zoomIn', label: 'Zoom In', keys: ['=', '+'], perform: ({ view }) => view.zoomIn() },
  { id: 'view.zoomOut', label: 'Zoom Out', keys: ['-'], perform: ({ view }) => view.zoomOut() },
  { id: 'view.zoomReset', label: 'Actual Size', keys: ['0'], perform: ({ view }) => view.zoomReset() },
  { id: 'view.showLogs', label: 'Show Engine Logs', keys: [], perform: (context) => void showEngineLogs(context) },
  { id: 'view.panels', label: 'Toggle Run Panel', keys: ['mod+j'], perform: ({ store }) => store.getState().toggleBottomPanel() },
  { id: 'view.theme', label: 'Toggle Theme', keys: ['shift+t'], perform: ({ store }) => store.getState().toggleTheme() },
  { id: 'run.run', label: 'Run', keys: ['mod+enter'], perform: ({ store }) => void store.getState().startRun() },
  { id: 'run.toSelected', label: 'Run to Selected', keys: ['mod+shift+enter'], perform: ({ store }) => void store.getState().runToSelected() },
  { id: 'run.stop', label: 'Stop', keys: ['mod+.'], perform: ({ store }) => void store.getState().stopRun() },
  { id: 'help.shortcuts', label: 'Keyboard Shortcuts', keys: ['shift+?'], perform: ({ store }) => store.getState().showOverlay({ kind: 'shortcuts', title: 'Keyboard shortcuts' }) },
  { id: 'help.about', label: 'About Crucible', keys: [], perform: (context) => void showAbout(context) },
];

export function commandById(id: string): Command {
  const command = COMMANDS.find((candidate) => candidate.id === id);
  if (!command) throw new Error(`no studio command "${id}"; see renderer/src/commands/commands.ts`);
  return command;
}
