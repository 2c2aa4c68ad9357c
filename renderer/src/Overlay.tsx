// A dialog over the studio for things that are read, not edited: the keyboard shortcuts, the engine log, About.
import { COMMANDS } from './commands/commands.ts';
import { shortcutLabel } from './commands/shortcuts.ts';
import { useStudio } from './store/store-context.tsx';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function ShortcutList() {
  return (
    <table className="shortcut-list">
      <tbody>
        {COMMANDS.filter((command) => command.keys.length > 0).map((command) => (
          <tr key={command.id}>
            <td>{command.label}</td>
            <td>{command.keys.map((keys) => shortcutLabel(keys, isMac)).join(', ')}</td>
          </tr>
        ))}
        <tr>
          <td>Copy, Cut, Paste</td>
          <td>{['mod+c', 'mod+x', 'mod+v'].map((keys) => shortcutLabel(keys, isMac)).join(', ')}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function Overlay() {
  const overlay = useStudio((state) => state.overlay);
  const closeOverlay = useStudio((state) => state.closeOverlay);
  if (!overlay) return null;
  return (
    <div className="overlay-backdrop" onClick={closeOverlay}>
      <section className="overlay" role="dialog" aria-label={overlay.title} onClick={(event) => event.stopPropagation()}>
        <header>
          <strong>{overlay.title}</strong>
          <button type="button" onClick={closeOverlay} aria-label="Close">
            ×
          </button>
        </header>
        {overlay.kind === 'shortcuts' ? <ShortcutList /> : <pre>{overlay.text}</pre>}
      </section>
    </div>
  );
}
