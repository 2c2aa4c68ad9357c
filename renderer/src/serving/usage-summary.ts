// Usage rows from the engine (one per UTC day, key and model) summed per key and model for the table, and per day
// for the chart, with days without requests filled in as zero so the chart's gaps are real.
import type { UsageRow } from '../../../app/protocol/serving-api.ts';
import type { UsageMetric } from '../store/serving-state.ts';

/** A usage row summed over days; `currency` is null where the rows mix currencies or name none. */
export type KeyModelUsage = Omit<UsageRow, 'day' | 'avgLatencyMs' | 'avgTtftMs'>;

export interface DailyUsage {
  /** YYYY-MM-DD, consecutive. */
  days: string[];
  values: number[];
}

const DAY_MS = 86_400_000;

export function usageByKeyAndModel(rows: readonly UsageRow[]): KeyModelUsage[] {
  const groups = new Map<string, KeyModelUsage & { currencies: Set<string | null> }>();
  for (const row of rows) {
    const id = JSON.stringify([row.key, row.model]);
    const group = groups.get(id) ?? { key: row.key, model: row.model, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0, currency: null, currencies: new Set() };
    group.requests += row.requests;
    group.errors += row.errors;
    group.promptTokens += row.promptTokens;
    group.completionTokens += row.completionTokens;
    group.cost += row.cost;
    group.currencies.add(row.currency);
    groups.set(id, group);
  }
  return [...groups.values()]
    .map(({ currencies, ...usage }) => ({ ...usage, currency: currencies.size === 1 ? [...currencies][0]! : null }))
    .sort((a, b) => b.cost - a.cost || (a.key ?? '').localeCompare(b.key ?? '') || (a.model ?? '').localeCompare(b.model ?? ''));
}

function metricOf(row: UsageRow, metric: UsageMetric): number {
  return metric === 'cost' ? row.cost : row.promptTokens + row.completionTokens;
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive, widened to cover the rows) with the metric summed over keys and models. */
export function usagePerDay(rows: readonly UsageRow[], metric: UsageMetric, range: { from: string; to: string }): DailyUsage {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.day, (totals.get(row.day) ?? 0) + metricOf(row, metric));
  const known = [...totals.keys()].sort();
  const first = Date.parse(`${[range.from, known[0] ?? range.from].sort()[0]}T00:00:00Z`);
  const last = Date.parse(`${[range.to, known.at(-1) ?? range.to].sort().at(-1)}T00:00:00Z`);
  const days: string[] = [];
  const values: number[] = [];
  for (let time = first; time <= last; time += DAY_MS) {
    const day = new Date(time).toISOString().slice(0, 10);
    days.push(day);
    values.push(totals.get(day) ?? 0);
  }
  return { days, values };
}
