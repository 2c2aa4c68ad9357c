// Usage: requests, tokens and cost per key and model since a chosen day, with a small chart of cost or tokens per
// day. The report comes from the engine's usage log (the same numbers as `crucible usage`).
import { useMemo } from 'react';
import { formatMetric } from '../run/format.ts';
import { useStudio } from '../store/store-context.tsx';
import type { UsageMetric } from '../store/serving-state.ts';
import { UsageChart } from './UsageChart.tsx';
import { usageByKeyAndModel, usagePerDay } from './usage-summary.ts';

const METRIC_LABELS: Record<UsageMetric, string> = { cost: 'cost', tokens: 'tokens' };

function UsageFilters() {
  const filter = useStudio((state) => state.usageFilter);
  const keys = useStudio((state) => state.apiKeys);
  const metric = useStudio((state) => state.usageMetric);
  const setUsageFilter = useStudio((state) => state.setUsageFilter);
  const setUsageMetric = useStudio((state) => state.setUsageMetric);
  return (
    <div className="usage-filters">
      <label>
        key{' '}
        <select value={filter.key} onChange={(event) => setUsageFilter({ key: event.target.value })}>
          <option value="">all keys</option>
          {keys.map((key) => (
            <option key={key.id} value={key.name}>
              {key.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        since <input type="date" value={filter.since} onChange={(event) => setUsageFilter({ since: event.target.value })} />
      </label>
      <span role="radiogroup" aria-label="Chart shows">
        {(Object.keys(METRIC_LABELS) as UsageMetric[]).map((candidate) => (
          <button key={candidate} type="button" role="radio" aria-checked={metric === candidate} onClick={() => setUsageMetric(candidate)}>
            {METRIC_LABELS[candidate]} per day
          </button>
        ))}
      </span>
    </div>
  );
}

export function UsageView() {
  const report = useStudio((state) => state.usage);
  const metric = useStudio((state) => state.usageMetric);
  const since = useStudio((state) => state.usageFilter.since);
  const rows = useMemo(() => usageByKeyAndModel(report?.rows ?? []), [report]);
  const daily = useMemo(() => usagePerDay(report?.rows ?? [], metric, { from: since, to: new Date().toISOString().slice(0, 10) }), [report, metric, since]);
  return (
    <div className="usage">
      <UsageFilters />
      {!report ? (
        <p className="muted">Loading usage…</p>
      ) : (
        <div className="usage-body">
          <UsageChart label={METRIC_LABELS[metric]} usage={daily} />
          <table className="usage-table">
            <thead>
              <tr>
                <th>key</th>
                <th>model</th>
                <th>requests</th>
                <th>errors</th>
                <th>prompt tokens</th>
                <th>completion tokens</th>
                <th>cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.key}\u0000${row.model}`}>
                  <td>{row.key ?? <span className="muted">no key</span>}</td>
                  <td>{row.model ?? <span className="muted">—</span>}</td>
                  <td>{row.requests}</td>
                  <td>{row.errors}</td>
                  <td>{row.promptTokens}</td>
                  <td>{row.completionTokens}</td>
                  <td>
                    {formatMetric(row.cost)} {row.currency ?? ''}
                  </td>
                </tr>
              ))}
              <tr className="usage-total">
                <th scope="row" colSpan={2}>
                  total
                </th>
                <td>{report.totals.requests}</td>
                <td>{report.totals.errors}</td>
                <td>{report.totals.promptTokens}</td>
                <td>{report.totals.completionTokens}</td>
                <td>{formatMetric(report.totals.cost)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
