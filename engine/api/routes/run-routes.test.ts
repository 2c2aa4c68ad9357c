// The routes about one run: the detail thins long metric series; logs, previews and event streams answer from the
// run's record without reading its metric points; cancelling a run another engine process runs says where to stop it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyPipeline } from '../../../app/pipeline/schema.ts';
import { ROUTES, TOKEN_HEADER, type RunDetail } from '../../../app/protocol/engine-api.ts';
import { MAX_POINTS_PER_SERIES } from '../../store/run-queries.ts';
import { openApiHarness, type ApiHarness } from '../testing/api-harness.ts';

let harness: ApiHarness;
let dbFile: string;

beforeEach(async () => {
  harness = await openApiHarness('run-routes', { token: 't'.repeat(32), port: 4571 });
  dbFile = path.join(harness.engine.dataDir, 'crucible.db');
});
afterEach(async () => {
  await harness.close();
});

const call = (method: 'GET' | 'POST', route: string, runId: string) =>
  harness.server.app.inject({ method, url: route.replace(':runId', runId), headers: { host: '127.0.0.1:4571', [TOKEN_HEADER]: 't'.repeat(32) } });

/** A run recorded as running by this process (the store's engine pid) that this engine's executor does not run. */
function recordRun(runId: string): void {
  harness.engine.store.createRun({ runId, pipeline: emptyPipeline('long'), pipelinePath: null, targets: ['train'], startedAt: new Date().toISOString() });
  harness.engine.store.record({ type: 'run.started', runId, at: new Date().toISOString(), pipelineName: 'long', targets: ['train'], nodes: ['train'] });
}

/** Statements on the engine's database from a second connection, as another engine process would write. */
function withDatabase(use: (db: Database.Database) => void): void {
  const db = new Database(dbFile);
  try {
    use(db);
  } finally {
    db.close();
  }
}

function insertLoss(runId: string, count: number): void {
  withDatabase((db) => {
    const insert = db.prepare(`INSERT INTO metric_points (run_id, node_id, name, step, value, at) VALUES (?, 'train', 'loss', ?, ?, ?)`);
    const at = new Date().toISOString();
    db.transaction(() => {
      for (let step = 0; step < count; step++) insert.run(runId, step, 1 / (step + 1), at);
    })();
  });
}

describe('one run\'s routes and its metric points', () => {
  it('serves the run with each long series thinned, its first and last points kept', async () => {
    recordRun('r1');
    const count = MAX_POINTS_PER_SERIES * 5;
    insertLoss('r1', count);

    const response = await call('GET', ROUTES.run, 'r1');
    expect(response.statusCode).toBe(200);
    const detail = response.json<RunDetail>();
    const loss = detail.metrics.train?.loss ?? [];
    expect(loss.length).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
    expect(loss.length).toBeGreaterThan(MAX_POINTS_PER_SERIES / 2);
    expect([loss[0]?.step, loss.at(-1)?.step]).toEqual([0, count - 1]);
    expect(detail.metricsThinned).toEqual({ train: ['loss'] });
  });

  it('answers logs, output previews and event streams without reading the metric series', async () => {
    recordRun('r1');
    insertLoss('r1', 100);
    const outputFolder = path.join(harness.engine.dataDir, 'output');
    fs.mkdirSync(outputFolder);
    fs.writeFileSync(path.join(outputFolder, 'weights.bin'), 'abc');
    const at = new Date().toISOString();
    const model = { key: 'k1', port: 'model', type: 'model', path: outputFolder, bytes: 3, createdAt: at };
    harness.engine.store.record({ type: 'node.state', runId: 'r1', node: 'train', at, state: 'succeeded', artifacts: { model } });
    const readFull = vi.spyOn(harness.engine.store, 'getRun');

    expect((await call('GET', ROUTES.runLogs, 'r1')).statusCode).toBe(200);
    const files = await call('GET', ROUTES.outputFiles.replace(':nodeId', 'train').replace(':port', 'model'), 'r1');
    expect(files.json()).toMatchObject({ files: [{ name: 'weights.bin', bytes: 3 }] });
    const events = await call('GET', ROUTES.runEvents, 'r1');
    expect(events.body).toContain('"type":"snapshot"');
    expect(events.body).toContain('"state":"succeeded"');
    expect(readFull).not.toHaveBeenCalled();

    for (const route of [ROUTES.runLogs, ROUTES.runEvents, ROUTES.outputFiles.replace(':nodeId', 'train').replace(':port', 'model')]) {
      expect((await call('GET', route, 'ghost')).json(), route).toMatchObject({ error: { code: 'run_not_found' } });
    }
  });
});

describe('cancelling a run', () => {
  it('says a run that another engine process runs must be stopped there, with its pid', async () => {
    recordRun('elsewhere');

    const response = await call('POST', ROUTES.cancelRun, 'elsewhere');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: { code: 'run_in_other_engine' } });
    expect(response.json().error.message).toBe(`run "elsewhere" cannot be cancelled here: it runs in another engine process (pid ${process.pid}); stop it there (Ctrl-C in its terminal)`);
  });

  it('says when the engine process that ran it is gone', async () => {
    recordRun('orphan');
    const gonePid = spawnSync(process.execPath, ['-e', '']).pid;
    withDatabase((db) => db.prepare('UPDATE runs SET engine_pid = ? WHERE id = ?').run(gonePid, 'orphan'));

    const response = await call('POST', ROUTES.cancelRun, 'orphan');
    expect(response.statusCode).toBe(409);
    expect(response.json().error.message).toMatch(new RegExp(`started by another engine process \\(pid ${gonePid}\\) that has stopped, so nothing runs it; it shows as interrupted`));
  });

  it('still says a finished run is not running, and an unknown one does not exist', async () => {
    recordRun('done');
    harness.engine.store.record({ type: 'run.finished', runId: 'done', at: new Date().toISOString(), status: 'succeeded', nodes: {} });

    expect((await call('POST', ROUTES.cancelRun, 'done')).json()).toMatchObject({ error: { code: 'run_not_active', message: 'run "done" is not running' } });
    expect((await call('POST', ROUTES.cancelRun, 'ghost')).statusCode).toBe(404);
  });
});
