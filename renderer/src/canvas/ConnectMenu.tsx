// The menu that appears where a connection was dropped on empty canvas: the node types that can take the other end.
import { NodeIcon } from './node-icon.tsx';
import { useStudio } from '../store/store-context.tsx';

export function ConnectMenu() {
  const pending = useStudio((state) => state.pendingConnection);
  const completeConnection = useStudio((state) => state.completeConnection);
  const cancelConnection = useStudio((state) => state.cancelConnection);
  if (!pending) return null;
  return (
    <div className="connect-menu" style={{ left: pending.screen.x, top: pending.screen.y }} role="menu" aria-label={`Node types for ${pending.portType}`}>
      <p className="muted">
        {pending.draggedFrom === 'output' ? 'Takes' : 'Produces'} {pending.portType}:
      </p>
      {pending.choices.map((choice) => (
        <button key={choice.type} type="button" role="menuitem" onClick={() => completeConnection(choice.type)} data-node-type={choice.type}>
          <NodeIcon name={choice.icon} size={16} /> {choice.title} <span className="muted">· {choice.portTitle}</span>
        </button>
      ))}
      <button type="button" className="muted" onClick={cancelConnection}>
        Cancel
      </button>
    </div>
  );
}
