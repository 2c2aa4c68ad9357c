// Usage rows summed per key and model for the table, and per day (gaps as zero) for the chart.
import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../../../app/protocol/serving-api.ts';
import { usageByKeyAndModel, usagePerDay } from './usage-summary.ts';

function row(day: string, key: string | null, model: string, promptTokens: number, completionTokens: number, cost: number, currency: string | null = 'USD'): UsageRow {
  return { day, key, model, requests: 1, errors: 0, promptTokens, completionTokens, cost, currency, avgLatencyMs: 10, avgTtftMs: 2 };
}

const rows = [row('2026-03-01', 'app', 'tiny', 10, 5, 0.5), row('2026-03-03', 'app', 'tiny', 20, 5, 1), row('2026-03-03', 'ops', 'tiny', 1, 1, 0.25, 'EUR'), row('2026-03-03', null, 'tiny', 3, 0, 0)];

describe('usageByKeyAndModel', () => {
  it('sums the days of each key and model, most expensive first', () => {
    expect(usageByKeyAndModel(rows)).toEqual([
      { key: 'app', model: 'tiny', requests: 2, errors: 0, promptTokens: 30, completionTokens: 10, cost: 1.5, currency: 'USD' },
      { key: 'ops', model: 'tiny', requests: 1, errors: 0, promptTokens: 1, completionTokens: 1, cost: 0.25, currency: 'EUR' },
      { key: null, model: 'tiny', requests: 1, errors: 0, promptTokens: 3, completionTokens: 0, cost: 0, currency: 'USD' },
    ]);
  });

  it('names no currency for a group that mixes them', () => {
    expect(usageByKeyAndModel([row('2026-03-01', 'a', 'm', 1, 1, 1, 'USD'), row('2026-03-02', 'a', 'm', 1, 1, 1, 'EUR')])[0]!.currency).toBeNull();
  });
});

describe('usagePerDay', () => {
  it('fills every day of the range, zero where nothing was used', () => {
    expect(usagePerDay(rows, 'cost', { from: '2026-02-28', to: '2026-03-04' })).toEqual({
      days: ['2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'],
      values: [0, 0.5, 0, 1.25, 0],
    });
  });

  it('counts prompt and completion tokens, and widens the range to cover every row', () => {
    expect(usagePerDay(rows, 'tokens', { from: '2026-03-02', to: '2026-03-02' })).toEqual({ days: ['2026-03-01', '2026-03-02', '2026-03-03'], values: [15, 0, 30] });
  });
});
