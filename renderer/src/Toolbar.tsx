// The top bar: file name with the dirty marker, file, edit, view and run commands (run through the command table),
// the engine connection light and the theme switch.
import { commandById, type CommandContext } from './commands/commands.ts';
import { shortcutLabel } from './commands/shortcuts.ts';
import { selectDirty, selectShownRun } from './store/selectors.ts';
import { useStudio } from './store/store-context.tsx';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function CommandButton({ id, context, label, disabled }: { id: string; context: CommandContext; label?: string; disabled?: boolean }) {
  const command = commandById(id);
  const keys = command.keys[0] ? ` (${shortcutLabel(command.keys[0], isMac)})` : '';
  return (
    <button type="button" onClick={() => command.perform(context)} title={`${command.label}${keys}`} disabled={disabled} data-command={id}>
      {label ?? command.label}
    </button>
  );
}

const CONNECTION_LABELS: Record<string, string> = {
  offline: 'no engine',
  connecting: 'connecting…',
  live: 'engine connected',
  reconnecting: 'reconnecting…',
  closed: 'disconnected',
};

export function Toolbar({ context }: { context: CommandContext }) {
  const fileName = useStudio((state) => state.fileName);
  const name = useStudio((state) => state.doc.name);
  const dirty = useStudio(selectDirty);
  const canUndo = useStudio((state) => state.history.past.length > 0);
  const canRedo = useStudio((state) => state.history.future.length > 0);
  const running = useStudio((state) => selectShownRun(state)?.status === 'running');
  const connection = useStudio((state) => state.connection);
  const connectionDetail = useStudio((state) => state.connectionDetail);
  const theme = useStudio((state) => state.theme);
  return (
    <header className="toolbar">
      <span className="brand">Crucible</span>
      <span className="file-name" title={fileName ?? 'not saved yet'}>
        {fileName ?? name}
        {dirty && (
          <span className="dirty-marker" title="Unsaved changes" aria-label="Unsaved changes">
            ●
          </span>
        )}
      </span>
      <nav className="toolbar-group" aria-label="File">
        <CommandButton id="file.new" context={context} />
        <CommandButton id="file.open" context={context} label="Open" />
        <CommandButton id="file.save" context={context} />
        <CommandButton id="file.saveAs" context={context} label="Save As" />
      </nav>
      <nav className="toolbar-group" aria-label="Edit">
        <CommandButton id="edit.undo" context={context} disabled={!canUndo} />
        <CommandButton id="edit.redo" context={context} disabled={!canRedo} />
        <CommandButton id="edit.duplicate" context={context} />
        <CommandButton id="edit.delete" context={context} />
        <CommandButton id="edit.layout" context={context} label="Layout" />
        <CommandButton id="view.fit" context={context} label="Fit" />
      </nav>
      <nav className="toolbar-group" aria-label="Run">
        <CommandButton id="run.run" context={context} label="▶ Run" disabled={running} />
        <CommandButton id="run.toSelected" context={context} label="Run to selected" disabled={running} />
        <CommandButton id="run.stop" context={context} label="■ Stop" disabled={!running} />
      </nav>
      <span className={`connection connection-${connection}`} title={connectionDetail ?? CONNECTION_LABELS[connection]}>
        {CONNECTION_LABELS[connection]}
      </span>
      <CommandButton id="view.theme" context={context} label={theme === 'dark' ? 'Light theme' : 'Dark theme'} />
    </header>
  );
}
