// Messages over the canvas: the latest notice (e.g. why a connection was refused) as a toast, and the
// "needs attention" banner listing what is odd about the opened file.
import { useEffect } from 'react';
import { formatProblem } from '../../app/graph/problems.ts';
import { useStudio } from './store/store-context.tsx';

const NOTICE_VISIBLE_MS = 8000;

export function Toast() {
  const notice = useStudio((state) => state.notice);
  const dismissNotice = useStudio((state) => state.dismissNotice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(dismissNotice, NOTICE_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [notice, dismissNotice]);
  if (!notice) return null;
  return (
    <div className={`toast toast-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} key={notice.id}>
      <span>{notice.message}</span>
      <button type="button" onClick={dismissNotice} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function AttentionBanner() {
  const attention = useStudio((state) => state.attention);
  const dismissAttention = useStudio((state) => state.dismissAttention);
  if (!attention) return null;
  return (
    <section className="attention" role="alert" aria-label="Needs attention">
      <header>
        <strong>{attention.fileName ?? 'This pipeline'} needs attention</strong>
        <button type="button" onClick={dismissAttention} aria-label="Dismiss">
          ×
        </button>
      </header>
      {attention.blocking && <p>The file could not be read, so nothing is shown. It is left untouched: saving over it is refused; use Save As for a new file.</p>}
      {attention.migratedFrom !== undefined && <p>Upgraded from format version {attention.migratedFrom}. Saving writes the current version; keep a copy of the original if older Crucible versions still need it.</p>}
      {!attention.blocking && attention.problems.length > 0 && <p>Nothing was dropped: unknown nodes stay as placeholders and edges to missing ports stay visible, so saving loses nothing.</p>}
      <ul>
        {attention.problems.map((problem, index) => (
          <li key={index}>{formatProblem(problem)}</li>
        ))}
      </ul>
    </section>
  );
}
