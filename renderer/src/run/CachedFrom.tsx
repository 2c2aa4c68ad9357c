// The charts and logs of cached nodes come from the runs that made their outputs: this reads those runs from the
// engine once, and says which run each cached node's history is from, with a link that opens it.
import { useEffect, useMemo, useState } from 'react';
import { useStudio } from '../store/store-context.tsx';
import { cacheSourcesOf, withCachedHistory } from './cached-history.ts';
import { useOpenPastRun } from './open-past-run.ts';
import type { RunView } from './run-view.ts';

export interface RunWithCachedHistory {
  run: RunView;
  /** Runs that made cached outputs but cannot be read (removed from the store, or the engine refused). */
  unavailable: ReadonlySet<string>;
}

/** The shown run, with its cached nodes' series and logs from the runs that made them (read when missing). */
export function useRunWithCachedHistory(shown: RunView): RunWithCachedHistory {
  const runs = useStudio((state) => state.runs);
  const loadRun = useStudio((state) => state.loadRun);
  const [unavailable, setUnavailable] = useState<ReadonlySet<string>>(() => new Set());
  const sources = useMemo(() => cacheSourcesOf(shown), [shown]);
  const missing = useMemo(() => [...new Set(sources.map((source) => source.runId))].filter((runId) => !runs[runId] && !unavailable.has(runId)).join(' '), [sources, runs, unavailable]);
  useEffect(() => {
    for (const runId of missing.split(' ').filter(Boolean)) {
      void loadRun(runId).then((view) => {
        if (!view) setUnavailable((known) => new Set(known).add(runId));
      });
    }
  }, [missing, loadRun]);
  const run = useMemo(() => withCachedHistory(shown, runs), [shown, runs]);
  return { run, unavailable };
}

/** One line per run that made cached nodes' outputs, limited to `nodeId` when given. */
export function CachedFromNote({ run, nodeId, unavailable }: { run: RunView; nodeId?: string; unavailable: ReadonlySet<string> }) {
  const openPastRun = useOpenPastRun();
  const runs = useStudio((state) => state.runs);
  const byRun = new Map<string, string[]>();
  for (const source of cacheSourcesOf(run)) if (nodeId === undefined || source.nodeId === nodeId) byRun.set(source.runId, [...(byRun.get(source.runId) ?? []), source.nodeId]);
  if (byRun.size === 0) return null;
  return (
    <ul className="cached-from">
      {[...byRun].map(([runId, nodes]) => (
        <li key={runId} data-cached-from={runId}>
          {nodes.join(', ')} came from the cache: {nodes.length === 1 ? 'its' : 'their'} charts and logs are those of run <code>{runId}</code>
          {runs[runId] ? '' : unavailable.has(runId) ? ', which the engine no longer has' : ' (reading it…)'}{' '}
          <button type="button" onClick={() => openPastRun(runId)}>
            Open that run
          </button>
        </li>
      ))}
    </ul>
  );
}
