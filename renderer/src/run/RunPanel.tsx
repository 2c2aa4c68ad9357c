// The bottom panel: the shown run's timeline, live charts, logs per node and artifacts, the run history, and the
// serving panel. Each tab reads its slice of the store; reopening a past run goes through a store action.
import { useMemo } from 'react';
import { ServingPanel } from '../serving/ServingPanel.tsx';
import { selectShownRun } from '../store/selectors.ts';
import { useStudio } from '../store/store-context.tsx';
import type { BottomTab } from '../store/studio-state.ts';
import { seriesOfMetric } from './chart-data.ts';
import { formatDuration, KEY_METRICS, metricLabel, STATE_LABELS } from './format.ts';
import { ArtifactsView } from './ArtifactsView.tsx';
import { CompareView } from './CompareView.tsx';
import { ResourceCharts } from './ResourceCharts.tsx';
import { SamplesView } from './SamplesView.tsx';
import { lossChartSeries } from './loss-series.ts';
import { CachedFromNote, useRunWithCachedHistory } from './CachedFrom.tsx';
import { MetricChart } from './MetricChart.tsx';
import { nodesInRunOrder } from './node-order.ts';
import { useOpenPastRun } from './open-past-run.ts';
import type { RunView } from './run-view.ts';

const TABS: { id: BottomTab; label: string }[] = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'charts', label: 'Charts' },
  { id: 'samples', label: 'Samples' },
  { id: 'logs', label: 'Logs' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'history', label: 'History' },
  { id: 'compare', label: 'Compare' },
  { id: 'serving', label: 'Serving' },
];

/** The run's nodes in the order they ran, then the rest in the document's order. */
function useNodeOrder(run: RunView): string[] {
  const docNodes = useStudio((state) => state.doc.nodes);
  return useMemo(() => nodesInRunOrder(run, docNodes.map((node) => node.id)), [run, docNodes]);
}

function Timeline({ run }: { run: RunView }) {
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const span = Math.max(1, end - start);
  const showLogsFor = useStudio((state) => state.showLogsFor);
  const order = useNodeOrder(run);
  return (
    <table className="timeline">
      <tbody>
        {order.map((id) => {
          const node = run.nodes[id]!;
          const from = node.startedAt ? Date.parse(node.startedAt) - start : null;
          const to = node.finishedAt ? Date.parse(node.finishedAt) - start : node.state === 'running' ? end - start : null;
          return (
            <tr key={id} data-timeline-node={id}>
              <th scope="row">{id}</th>
              <td>
                <button type="button" className={`badge badge-${node.state}`} onClick={() => showLogsFor(id)} title="Show this node's logs">
                  {STATE_LABELS[node.state]}
                </button>
              </td>
              <td className="timeline-track">
                {from !== null && to !== null && <span className={`timeline-bar bar-${node.state}`} style={{ left: `${(from / span) * 100}%`, width: `${Math.max(0.5, ((to - from) / span) * 100)}%` }} />}
              </td>
              <td className="timeline-note">
                {node.durationMs !== undefined ? formatDuration(node.durationMs) : node.etaMs !== undefined ? `ETA ${formatDuration(node.etaMs)}` : ''}
                {node.reason ? ` — ${node.reason}` : ''}
                {node.error ? ` — ${node.error.message}` : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Charts({ run: shownRun }: { run: RunView }) {
  const { run, unavailable } = useRunWithCachedHistory(shownRun);
  const charts = useMemo(() => KEY_METRICS.map((metric) => ({ metric, series: metric === 'loss' ? lossChartSeries(run) : seriesOfMetric(run, metric) })).filter((chart) => chart.series.length > 0), [run]);
  if (charts.length === 0) return <><CachedFromNote run={shownRun} unavailable={unavailable} /><p className="muted">No metrics yet: training nodes report loss, val loss, learning rate and tokens/s as they go.</p></>;
  return (
    <>
      <div className="charts">
        <CachedFromNote run={shownRun} unavailable={unavailable} />
        {charts.map((chart) => (
          <MetricChart key={chart.metric} title={metricLabel(chart.metric)} series={chart.series} />
        ))}
      </div>
      <ResourceCharts run={run} />
    </>
  );
}

function Logs({ run: shownRun }: { run: RunView }) {
  const { run, unavailable } = useRunWithCachedHistory(shownRun);
  const logNode = useStudio((state) => state.logNode);
  const showLogsFor = useStudio((state) => state.showLogsFor);
  const nodes = useNodeOrder(run);
  const shown = logNode && nodes.includes(logNode) ? logNode : nodes.find((id) => run.logs[id]?.length) ?? nodes[0];
  const failure = shown ? run.nodes[shown]?.error : undefined;
  return (
    <div className="logs">
      <select value={shown ?? ''} onChange={(event) => showLogsFor(event.target.value)} aria-label="Node whose logs to show">
        {nodes.map((id) => (
          <option key={id} value={id}>
            {id} ({run.logs[id]?.length ?? 0})
          </option>
        ))}
      </select>
      {shown && <CachedFromNote run={shownRun} nodeId={shown} unavailable={unavailable} />}
      {failure && (
        <pre className="log-failure">
          {failure.message}
          {failure.cause ? `\n\n${failure.cause}` : ''}
        </pre>
      )}
      <pre className="log-lines" data-log-node={shown}>
        {(shown ? run.logs[shown] ?? [] : []).map((entry, index) => (
          <span key={index} className={`log-${entry.level}`}>
            {entry.at.slice(11, 19)} {entry.line}
            {'\n'}
          </span>
        ))}
      </pre>
    </div>
  );
}

function History() {
  const history = useStudio((state) => state.runHistory);
  const shownRunId = useStudio((state) => state.shownRunId);
  const openPastRun = useOpenPastRun();
  const refreshHistory = useStudio((state) => state.refreshHistory);
  return (
    <div className="history">
      <button type="button" onClick={() => void refreshHistory()}>
        Refresh
      </button>
      {history.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table>
          <tbody>
            {history.map((run) => (
              <tr key={run.id} className={run.id === shownRunId ? 'current' : ''}>
                <td>{new Date(run.startedAt).toLocaleString()}</td>
                <td>{run.pipelineName}</td>
                <td>
                  <span className={`badge badge-${run.status === 'succeeded' ? 'succeeded' : run.status === 'running' ? 'running' : 'failed'}`}>{run.status}</span>
                </td>
                <td>{run.targets.length > 0 ? `to ${run.targets.join(', ')}` : 'whole pipeline'}</td>
                <td>
                  <button type="button" onClick={() => openPastRun(run.id)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RunTab({ tab, run }: { tab: BottomTab; run: RunView | undefined }) {
  if (tab === 'history') return <History />;
  if (tab === 'serving') return <ServingPanel />;
  if (tab === 'compare') return <CompareView />;
  if (!run) return <p className="muted">No run shown. Press Run, or open a past run from History.</p>;
  if (tab === 'timeline') return <Timeline run={run} />;
  if (tab === 'charts') return <Charts run={run} />;
  if (tab === 'samples') return <SamplesView run={run} />;
  if (tab === 'logs') return <Logs run={run} />;
  return <ArtifactsView nodes={run.nodes} runId={run.runId} />;
}

export function RunPanel() {
  const tab = useStudio((state) => state.bottomTab);
  const open = useStudio((state) => state.bottomOpen);
  const showBottomTab = useStudio((state) => state.showBottomTab);
  const toggleBottomPanel = useStudio((state) => state.toggleBottomPanel);
  const run = useStudio(selectShownRun);
  return (
    <section className={`run-panel${open ? ' open' : ''}`} aria-label="Run panel">
      <nav className="run-tabs" role="tablist">
        {TABS.map((candidate) => (
          <button key={candidate.id} type="button" role="tab" aria-selected={open && tab === candidate.id} onClick={() => (open && tab === candidate.id ? toggleBottomPanel() : showBottomTab(candidate.id))}>
            {candidate.label}
          </button>
        ))}
        {run && (
          <span className="run-caption">
            run <code>{run.runId}</code> — <span className={`badge badge-${run.status === 'succeeded' ? 'succeeded' : run.status === 'running' ? 'running' : 'failed'}`}>{run.status}</span>
          </span>
        )}
      </nav>
      {open && (
        <div className="run-body" role="tabpanel">
          <RunTab tab={tab} run={run} />
        </div>
      )}
    </section>
  );
}
