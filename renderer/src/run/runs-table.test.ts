// The runs table: filters by pipeline, state and node (a node filter waits for the run's detail), sorts by column.
import { describe, expect, it } from 'vitest';
import { NEWEST_FIRST, NO_FILTER, pipelineNames, runsTableRows } from './runs-table.ts';
import { runDetail, runListItem } from './testing/run-details.ts';

const runs = [
  runListItem({ id: 'a', pipelineName: 'char', startedAt: '2026-03-01T12:00:00.000Z', finishedAt: '2026-03-01T12:05:00.000Z' }),
  runListItem({ id: 'b', pipelineName: 'bpe', status: 'failed', startedAt: '2026-03-01T13:00:00.000Z', finishedAt: '2026-03-01T13:01:00.000Z' }),
  runListItem({ id: 'c', pipelineName: 'char', status: 'running', startedAt: '2026-03-01T14:00:00.000Z', finishedAt: null }),
];
const details = { a: runDetail({ id: 'a', startedAt: runs[0]!.startedAt, nodes: { 'train-gpt': ['pretrain', {}] } }), b: runDetail({ id: 'b', startedAt: runs[1]!.startedAt, nodes: { student: ['distill', {}] } }) };
const ids = (rows: ReturnType<typeof runsTableRows>) => rows.map((row) => row.run.id);

describe('runs table', () => {
  it('lists newest first with durations, a running run without one', () => {
    const rows = runsTableRows(runs, {}, NO_FILTER, NEWEST_FIRST);
    expect(ids(rows)).toEqual(['c', 'b', 'a']);
    expect(rows.map((row) => row.durationMs)).toEqual([null, 60_000, 300_000]);
  });

  it('sorts by pipeline, state or duration, either way', () => {
    expect(ids(runsTableRows(runs, {}, NO_FILTER, { key: 'pipelineName', descending: false }))).toEqual(['b', 'c', 'a']);
    expect(ids(runsTableRows(runs, {}, NO_FILTER, { key: 'status', descending: false }))).toEqual(['b', 'c', 'a']);
    expect(ids(runsTableRows(runs, {}, NO_FILTER, { key: 'durationMs', descending: false }))).toEqual(['b', 'a', 'c']);
    expect(ids(runsTableRows(runs, {}, NO_FILTER, { key: 'durationMs', descending: true }))).toEqual(['c', 'a', 'b']);
  });

  it('filters by pipeline, state and part of a node id, leaving out runs whose nodes are not known yet', () => {
    expect(ids(runsTableRows(runs, details, { ...NO_FILTER, pipeline: 'char' }, NEWEST_FIRST))).toEqual(['c', 'a']);
    expect(ids(runsTableRows(runs, details, { ...NO_FILTER, status: 'failed' }, NEWEST_FIRST))).toEqual(['b']);
    expect(ids(runsTableRows(runs, details, { ...NO_FILTER, node: 'TRAIN' }, NEWEST_FIRST))).toEqual(['a']);
    expect(pipelineNames(runs)).toEqual(['bpe', 'char']);
  });
});
