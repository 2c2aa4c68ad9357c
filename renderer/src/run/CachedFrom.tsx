// The charts and logs of cached nodes come from the runs that made their outputs: this reads those runs from the
// engine once, and says which run each cached node's history is from, with a link that opens it.
import { useEffect, useMemo } from 'react';
import { useStudio } from '../store/store-context.tsx';
import { cacheSourcesOf, withCachedHistory } from './cached-history.ts';
import { useOpenPastRun } from './open-past-run.ts';
import type { RunView } from './run-view.ts';

/** The shown run, with its cached nodes' series and logs from the runs that made them (read when missing). */
export function useRunWithCachedHistory(run: RunView): RunView {
  const runs = useStudio((state) => state.runs);
  const loadRun = useStudio((state) => state.loadRun);
  const sources = useMemo(() => cacheSourcesOf(run), [run]);
  const missing = useMemo(() => [...new Set(sources.map((source) => source.runId))].filter((runId) => !runs[runId]).join(' '), [sources, runs]);
  useEffect(() => {
    for (const runId of missing.split(' ').filter(Boolean)) void loadRun(runId);
  }, [missing, loadRun]);
  return useMemo(() => withCachedHistory(run, runs), [run, runs]);
}

/** One line per run that made cached nodes' outputs, limited to `nodeId` when given. */
export function CachedFromNote({ run, nodeId }: { run: RunView; nodeId?: string }) {
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
          {runs[runId] ? '' : ' (reading…)'}{' '}
          <button type="button" onClick={() => openPastRun(runId)}>
            Open that run
          </button>
        </li>
      ))}
    </ul>
  );
}
