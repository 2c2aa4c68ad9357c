// The ticked runs compared: one metric's curves overlaid (a line per run and node), the config fields that differ
// between the pipelines they ran (or every field), and each node's final metrics side by side, the best one marked.
import { useMemo, useState } from 'react';
import type { RunDetail, RunListItem } from '../../../app/protocol/engine-api.ts';
import { configDifferences, configRows, finalMetricRows, overlaySeries, reportedMetrics, runLabel } from './compare-runs.ts';
import { formatMetric, metricLabel } from './format.ts';
import { MetricChart } from './MetricChart.tsx';

interface CompareRunsProps {
  runs: readonly RunListItem[];
  details: Readonly<Record<string, RunDetail>>;
  failures: Readonly<Record<string, string>>;
  /** The runs table's node filter: the chart follows those nodes only. */
  node: string | undefined;
}

export function CompareRuns({ runs, details, failures, node }: CompareRunsProps) {
  const loaded = useMemo(() => runs.flatMap((run) => (details[run.id] ? [details[run.id]!] : [])), [runs, details]);
  const waiting = runs.filter((run) => !details[run.id] && !failures[run.id]);
  const failed = runs.filter((run) => failures[run.id]);
  return (
    <section className="compare-runs" aria-label="Compared runs">
      {waiting.length > 0 && <p className="muted">Reading {waiting.length} run(s)…</p>}
      {failed.map((run) => (
        <p key={run.id} className="compare-error">
          Cannot read run {run.id}: {failures[run.id]}
        </p>
      ))}
      {loaded.length >= 2 && (
        <>
          <OverlaidCurves details={loaded} node={node} />
          <ConfigDifferences details={loaded} />
          <FinalMetrics details={loaded} />
        </>
      )}
    </section>
  );
}

function OverlaidCurves({ details, node }: { details: readonly RunDetail[]; node: string | undefined }) {
  const metrics = useMemo(() => reportedMetrics(details), [details]);
  const [chosen, setChosen] = useState('loss');
  const metric = metrics.includes(chosen) ? chosen : (metrics[0] ?? chosen);
  const series = useMemo(() => overlaySeries(details, metric, node), [details, metric, node]);
  return (
    <div className="compare-curves">
      <label>
        Metric{' '}
        <select aria-label="Metric to overlay" value={metric} onChange={(event) => setChosen(event.target.value)}>
          {metrics.map((name) => (
            <option key={name} value={name}>
              {metricLabel(name)}
            </option>
          ))}
        </select>
      </label>
      {series.length === 0 ? <p className="muted">None of these runs reported {metricLabel(metric)}.</p> : <MetricChart title={`${metricLabel(metric)} by run`} series={series} />}
    </div>
  );
}

function RunHeads({ details }: { details: readonly RunDetail[] }) {
  return (
    <>
      {details.map((detail) => (
        <th key={detail.run.id} scope="col" title={detail.run.id}>
          {runLabel(detail.run.id)}
        </th>
      ))}
    </>
  );
}

function ConfigDifferences({ details }: { details: readonly RunDetail[] }) {
  const [all, setAll] = useState(false);
  const rows = useMemo(() => (all ? configRows(details) : configDifferences(details)), [details, all]);
  return (
    <div className="compare-config">
      <h4>
        Config {all ? '' : 'differences'}{' '}
        <label className="muted">
          <input type="checkbox" checked={all} onChange={(event) => setAll(event.target.checked)} /> every field
        </label>
      </h4>
      {rows.length === 0 ? (
        <p className="muted">These runs ran the same configuration.</p>
      ) : (
        <table className="compare-table" data-compare="config">
          <thead>
            <tr>
              <th scope="col">field</th>
              <RunHeads details={details} />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.path} className={row.differs ? 'differs' : ''}>
                <th scope="row">{row.path}</th>
                {row.values.map((value, index) => (
                  <td key={index}>{value ?? '—'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function FinalMetrics({ details }: { details: readonly RunDetail[] }) {
  const rows = useMemo(() => finalMetricRows(details), [details]);
  if (rows.length === 0) return <p className="muted">No final metrics in these runs.</p>;
  return (
    <div className="compare-metrics">
      <h4>Final metrics</h4>
      <table className="compare-table" data-compare="metrics">
        <thead>
          <tr>
            <th scope="col">node · metric</th>
            <RunHeads details={details} />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.node}\0${row.metric}`}>
              <th scope="row">
                {row.node} · {metricLabel(row.metric)}
              </th>
              {row.values.map((value, index) => (
                <td key={index} className={row.best === index ? 'best' : ''} title={row.best === index ? 'best of these runs' : undefined}>
                  {value === null ? '—' : formatMetric(value)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
