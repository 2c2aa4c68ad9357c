// Crash recovery at engine start: runs the last engine left "running" can never finish, so they become
// "interrupted", their unfinished nodes "cancelled", and services it had started are marked stopped.
import type { SqliteDatabase } from './database.ts';

export const ENGINE_STOPPED_REASON = 'engine stopped';

/** Returns how many runs were marked interrupted. */
export function markInterruptedRuns(db: SqliteDatabase): number {
  const cancelUnfinishedNodes = db.prepare(`
    UPDATE run_nodes SET state = 'cancelled', reason = ?
    WHERE state IN ('running', 'pending') AND run_id IN (SELECT id FROM runs WHERE status = 'running')`);
  // The true end is unknown; the run's last recorded activity is the closest honest answer.
  const interruptRuns = db.prepare(`
    UPDATE runs SET status = 'interrupted',
      finished_at = coalesce((SELECT max(updated_at) FROM run_nodes WHERE run_id = runs.id), started_at)
    WHERE status = 'running'`);
  const stopServices = db.prepare(`UPDATE services SET status = 'stopped' WHERE status = 'running'`);
  return db.transaction(() => {
    cancelUnfinishedNodes.run(ENGINE_STOPPED_REASON);
    const interrupted = interruptRuns.run().changes;
    stopServices.run();
    return interrupted;
  })();
}
