// Crash recovery at engine start: runs a stopped engine left "running" can never finish, so they become
// "interrupted", their unfinished nodes "cancelled", and services it had started are marked stopped. Each run and
// service records its engine's process id; those of another engine that is still running (the studio, while a
// `crucible runs` opens the same data directory) are left alone. Rows from before the id was recorded, and rows of
// an earlier engine of this same process, count as left behind.
import { isLeftBehind } from '../process-alive.ts';
import type { SqliteDatabase } from './database.ts';

export const ENGINE_STOPPED_REASON = 'engine stopped';

/** Returns how many runs were marked interrupted. `isAlive` says whether a process id is a running process. */
export function markInterruptedRuns(db: SqliteDatabase, isAlive: (pid: number) => boolean): number {
  const runningRuns = db.prepare(`SELECT id, engine_pid AS pid FROM runs WHERE status = 'running'`);
  const runningServices = db.prepare(`SELECT id, engine_pid AS pid FROM services WHERE status = 'running'`);
  const cancelUnfinishedNodes = db.prepare(`UPDATE run_nodes SET state = 'cancelled', reason = ? WHERE run_id = ? AND state IN ('running', 'pending')`);
  // The true end is unknown; the run's last recorded activity is the closest honest answer.
  const interruptRun = db.prepare(`
    UPDATE runs SET status = 'interrupted',
      finished_at = coalesce((SELECT max(updated_at) FROM run_nodes WHERE run_id = runs.id), started_at)
    WHERE id = ?`);
  const stopService = db.prepare(`UPDATE services SET status = 'stopped' WHERE id = ?`);
  return db.transaction(() => {
    const runs = (runningRuns.all() as { id: string; pid: number | null }[]).filter((run) => isLeftBehind(run.pid, isAlive));
    for (const run of runs) {
      cancelUnfinishedNodes.run(ENGINE_STOPPED_REASON, run.id);
      interruptRun.run(run.id);
    }
    for (const service of runningServices.all() as { id: string; pid: number | null }[]) if (isLeftBehind(service.pid, isAlive)) stopService.run(service.id);
    return runs.length;
  })();
}
