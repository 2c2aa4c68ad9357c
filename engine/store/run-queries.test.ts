// Tests for reading one run back: the light record (no metric points, the owning engine's pid) and the full detail,
// whose long metric series are thinned to a bounded count that keeps their first and last points and their shape.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyPipeline } from '../../app/pipeline/schema.ts';
import type { MetricPoint } from './run-store-types.ts';
import { MAX_POINTS_PER_SERIES } from './run-queries.ts';
import { RunStore } from './run-store.ts';

let tempDir: string;
let dbFile: string;
let store: RunStore;

beforeEach(() => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crucible-run-queries-'));
  dbFile = path.join(tempDir, 'crucible.db');
  store = RunStore.open({ file: dbFile }, { flushIntervalMs: 60_000 });
});
afterEach(() => {
  store.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
});

function createRun(runId: string): void {
  store.createRun({ runId, pipeline: emptyPipeline(`pipeline of ${runId}`), pipelinePath: null, targets: [], startedAt: new Date(0).toISOString() });
}

interface PointRow {
  runId: string;
  node: string;
  name: string;
  step: number;
}

/** Writes metric points straight into the database in one transaction, fast, the value of each being its step × 2. */
function insertPoints(rows: Iterable<PointRow>): void {
  const db = new Database(dbFile);
  try {
    const insert = db.prepare('INSERT INTO metric_points (run_id, node_id, name, step, value, at) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const row of rows) insert.run(row.runId, row.node, row.name, row.step, row.step * 2, new Date(row.step * 1000).toISOString());
    })();
  } finally {
    db.close();
  }
}

function* series(runId: string, node: string, name: string, count: number): Generator<PointRow> {
  for (let step = 0; step < count; step++) yield { runId, node, name, step };
}

/** Several series written as training writes them: one point of each per step, interleaved. */
function* interleaved(...all: Generator<PointRow>[]): Generator<PointRow> {
  for (;;) {
    let any = false;
    for (const one of all) {
      const next = one.next();
      if (!next.done) {
        any = true;
        yield next.value;
      }
    }
    if (!any) return;
  }
}

function steps(points: readonly MetricPoint[] | undefined): number[] {
  return (points ?? []).map((point) => point.step);
}

describe('a run\'s metric series', () => {
  it('thins a long series to at most MAX_POINTS_PER_SERIES evenly spaced points, first and last kept', () => {
    createRun('r1');
    const count = MAX_POINTS_PER_SERIES * 10 + 7;
    insertPoints(series('r1', 'train', 'loss', count));

    const stored = store.getRun('r1');
    const loss = stored?.metrics.train?.loss ?? [];
    expect(loss.length).toBeGreaterThan(MAX_POINTS_PER_SERIES * 0.9);
    expect(loss.length).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
    expect(loss[0]).toEqual({ step: 0, value: 0, at: new Date(0).toISOString() });
    expect(loss.at(-1)).toEqual({ step: count - 1, value: (count - 1) * 2, at: new Date((count - 1) * 1000).toISOString() });
    const gaps = steps(loss).slice(1).map((step, index) => step - steps(loss)[index]!);
    expect(Math.min(...gaps)).toBeGreaterThan(0); // in order, no point twice
    expect(Math.max(...gaps)).toBeLessThanOrEqual(Math.ceil(count / MAX_POINTS_PER_SERIES) + 1); // no hole in the curve
    expect(loss.every((point) => point.value === point.step * 2)).toBe(true);
    expect(stored?.metricsThinned).toEqual({ train: ['loss'] });
  });

  it('keeps short series whole, says nothing of thinning when nothing was thinned, and keeps first-recorded order', () => {
    createRun('r1');
    insertPoints(interleaved(series('r1', 'train', 'loss', 50), series('r1', 'train', 'lr', 50), series('r1', 'data', 'docs', 3)));

    const stored = store.getRun('r1');
    expect(steps(stored?.metrics.train?.loss)).toEqual([...Array(50).keys()]);
    expect(steps(stored?.metrics.data?.docs)).toEqual([0, 1, 2]);
    expect(Object.keys(stored?.metrics ?? {})).toEqual(['train', 'data']);
    expect(Object.keys(stored?.metrics.train ?? {})).toEqual(['loss', 'lr']);
    expect(stored).not.toHaveProperty('metricsThinned');
  });

  it('thins each long series of a run on its own, whatever other runs wrote between its points', () => {
    createRun('r1');
    createRun('other');
    const count = MAX_POINTS_PER_SERIES * 3;
    insertPoints(
      interleaved(
        series('r1', 'train', 'loss', count),
        series('other', 'train', 'loss', count * 2),
        series('r1', 'train', 'lr', count),
        series('r1', 'train', 'tokensPerSec', 10),
      ),
    );

    const stored = store.getRun('r1');
    for (const name of ['loss', 'lr']) {
      const points = stored?.metrics.train?.[name] ?? [];
      expect(points.length, name).toBeGreaterThan(MAX_POINTS_PER_SERIES * 0.9);
      expect(points.length, name).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
      expect([points[0]?.step, points.at(-1)?.step], name).toEqual([0, count - 1]);
    }
    expect(steps(stored?.metrics.train?.tokensPerSec)).toEqual([...Array(10).keys()]);
    expect(stored?.metricsThinned).toEqual({ train: ['loss', 'lr'] });
    expect(store.getRun('other')?.metrics.train?.loss?.at(-1)?.step).toBe(count * 2 - 1);
  });
});

describe('a run\'s record', () => {
  it('has the run, its pipeline and nodes and the engine process that owns it, and no metric points', () => {
    createRun('r1');
    store.record({ type: 'run.started', runId: 'r1', at: new Date(0).toISOString(), pipelineName: 'pipeline of r1', targets: [], nodes: ['train'] });
    insertPoints(series('r1', 'train', 'loss', 10));

    const found = store.findRun('r1');
    expect(found).toMatchObject({ run: { id: 'r1', status: 'running' }, pipeline: { name: 'pipeline of r1' }, nodes: { train: { state: 'pending' } }, enginePid: process.pid });
    expect(found).not.toHaveProperty('metrics');
    expect(store.findRun('nope')).toBeNull();
  });
});
