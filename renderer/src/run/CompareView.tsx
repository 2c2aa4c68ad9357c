// The Compare tab: every stored run in a table (sort by a column; filter by pipeline, state and node), and for the
// runs ticked, their curves overlaid, their config differences and their final metrics side by side (CompareRuns).
// Run details are read from the engine as they are needed: the ticked runs, and every listed run while a node filter
// is set (only a detail says which nodes a run had).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunDetail } from '../../../app/protocol/engine-api.ts';
import { RUN_STATUSES, type RunStatus } from '../../../app/protocol/run-events.ts';
import { useStudio } from '../store/store-context.tsx';
import { CompareRuns } from './CompareRuns.tsx';
import { formatDuration } from './format.ts';
import { NEWEST_FIRST, NO_FILTER, pipelineNames, runsTableRows, type RunSort, type RunSortKey, type RunsFilter } from './runs-table.ts';

const COLUMNS: { key: RunSortKey; label: string }[] = [
  { key: 'startedAt', label: 'Started' },
  { key: 'pipelineName', label: 'Pipeline' },
  { key: 'status', label: 'State' },
  { key: 'durationMs', label: 'Duration' },
];

/**
 * Run details read so far; a failed read is remembered as its message. Each run is asked for once per state the run
 * list gives it, so a run that was still running is read again once it has finished.
 */
function useRunDetails(wanted: readonly string[], statusOf: (id: string) => string | undefined): { details: Record<string, RunDetail>; failures: Record<string, string> } {
  const engine = useStudio((state) => state.engine);
  const [details, setDetails] = useState<Record<string, RunDetail>>({});
  const [failures, setFailures] = useState<Record<string, string>>({});
  const asked = useRef(new Set<string>());
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const missing = wanted.filter((id) => !asked.current.has(`${id}\0${statusOf(id)}`)).join('\0');
  useEffect(() => {
    if (!engine || missing === '') return;
    for (const id of missing.split('\0')) {
      asked.current.add(`${id}\0${statusOf(id)}`);
      engine.getRun(id).then(
        (detail) => mounted.current && setDetails((known) => ({ ...known, [id]: detail })),
        (error: unknown) => mounted.current && setFailures((known) => ({ ...known, [id]: error instanceof Error ? error.message : String(error) })),
      );
    }
  }, [engine, missing]);
  return { details, failures };
}

export function CompareView() {
  const history = useStudio((state) => state.runHistory);
  const refreshHistory = useStudio((state) => state.refreshHistory);
  const [filter, setFilter] = useState<RunsFilter>(NO_FILTER);
  const [sort, setSort] = useState<RunSort>(NEWEST_FIRST);
  const [picked, setPicked] = useState<string[]>([]);
  const wanted = useMemo(() => (filter.node.trim() === '' ? picked : [...new Set([...picked, ...history.map((run) => run.id)])]), [filter.node, picked, history]);
  const statusOf = (id: string) => history.find((run) => run.id === id)?.status;
  const { details, failures } = useRunDetails(wanted, statusOf);
  const rows = useMemo(() => runsTableRows(history, details, filter, sort), [history, details, filter, sort]);
  const toggle = (id: string) => setPicked((ids) => (ids.includes(id) ? ids.filter((one) => one !== id) : [...ids, id]));
  const sortBy = (key: RunSortKey) => setSort((current) => ({ key, descending: current.key === key ? !current.descending : key === 'startedAt' }));
  const chosen = history.filter((run) => picked.includes(run.id));

  return (
    <div className="compare">
      <div className="compare-filters">
        <select aria-label="Filter by pipeline" value={filter.pipeline ?? ''} onChange={(event) => setFilter({ ...filter, pipeline: event.target.value || null })}>
          <option value="">All pipelines</option>
          {pipelineNames(history).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <select aria-label="Filter by state" value={filter.status ?? ''} onChange={(event) => setFilter({ ...filter, status: (event.target.value || null) as RunStatus | null })}>
          <option value="">All states</option>
          {RUN_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
        <input type="search" aria-label="Filter by node" placeholder="node id…" value={filter.node} onChange={(event) => setFilter({ ...filter, node: event.target.value })} />
        <button type="button" onClick={() => void refreshHistory()}>
          Refresh
        </button>
        <span className="muted">{picked.length < 2 ? 'Tick two or more runs to compare them.' : `${picked.length} runs ticked`}</span>
      </div>
      <table className="runs-table">
        <thead>
          <tr>
            <th scope="col" aria-label="Compare" />
            {COLUMNS.map((column) => (
              <th key={column.key} scope="col" aria-sort={sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" className="sort-button" onClick={() => sortBy(column.key)}>
                  {column.label}
                  {sort.key === column.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                </button>
              </th>
            ))}
            <th scope="col">Nodes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ run, durationMs }) => (
            <tr key={run.id} data-run-row={run.id} className={picked.includes(run.id) ? 'current' : ''}>
              <td>
                <input type="checkbox" aria-label={`Compare run ${run.id}`} checked={picked.includes(run.id)} onChange={() => toggle(run.id)} />
              </td>
              <td title={run.id}>{new Date(run.startedAt).toLocaleString()}</td>
              <td>{run.pipelineName}</td>
              <td>
                <span className={`badge badge-${run.status === 'succeeded' ? 'succeeded' : run.status === 'running' ? 'running' : 'failed'}`}>{run.status}</span>
              </td>
              <td>{durationMs === null ? '—' : formatDuration(durationMs)}</td>
              <td>{Object.values(run.nodeCounts).reduce((sum, count) => sum + count, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p className="muted">{history.length === 0 ? 'No runs yet.' : 'No run matches these filters.'}</p>}
      {chosen.length >= 2 && <CompareRuns runs={chosen} details={details} failures={failures} node={filter.node.trim() || undefined} />}
    </div>
  );
}
