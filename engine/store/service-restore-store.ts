// The services a long-lived engine should bring back when it starts again, and why the others will not come back.
// Its own connection to crucible.db; writes are rare (a service starting or ending), so each is written at once.
// Each row names the engine process that recorded it: a live engine's services are its own, never another's to list
// as stopped or start again (two engines on one data directory, as mark-interrupted.ts does for runs).
import { isLeftBehind, isProcessAlive } from '../process-alive.ts';
import { openDatabase, type DatabaseLocation, type SqliteDatabase } from './database.ts';

export interface RestorableService {
  serviceId: string;
  runId: string;
  node: string;
  kind: string;
  name: string;
  /** JSON the service's owner wrote (null if unreadable); validated by whoever restores it. */
  recipe: unknown;
  recordedAt: string;
}

export type ServiceRestoreEnd = { state: 'stopped' } | { state: 'failed'; note: string } | { state: 'restored'; asServiceId: string };

interface RestoreRow {
  service_id: string;
  run_id: string;
  node_id: string;
  kind: string;
  name: string;
  recipe_json: string;
  recorded_at: string;
  engine_pid: number | null;
}

export class ServiceRestoreStore {
  readonly #db: SqliteDatabase;
  readonly #insert;
  readonly #end;
  readonly #wanted;
  #closed = false;

  private constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(`
      INSERT OR REPLACE INTO service_restores (service_id, run_id, node_id, kind, name, recipe_json, state, recorded_at, updated_at, engine_pid)
      VALUES (@serviceId, @runId, @node, @kind, @name, @recipeJson, 'wanted', @recordedAt, @recordedAt, @enginePid)`);
    this.#end = db.prepare(`UPDATE service_restores SET state = @state, note = @note, updated_at = @at WHERE service_id = @serviceId AND state = 'wanted'`);
    this.#wanted = db.prepare(`SELECT * FROM service_restores WHERE state = 'wanted' ORDER BY recorded_at, rowid`);
  }

  /** Opens `<dataDir>/crucible.db` (migrating it) on a connection of its own. */
  static open(location: DatabaseLocation): ServiceRestoreStore {
    return new ServiceRestoreStore(openDatabase(location));
  }

  /** A service started: bring it back after a restart unless it ends first. */
  recordStarted(service: Omit<RestorableService, 'recordedAt'>, recordedAt = new Date().toISOString()): void {
    const { serviceId, runId, node, kind, name, recipe } = service;
    this.#insert.run({ serviceId, runId, node, kind, name, recipeJson: JSON.stringify(recipe), recordedAt, enginePid: process.pid });
  }

  /** The service will not come back (a user stopped it, it failed, or it was restored under a new id). */
  recordEnded(serviceId: string, end: ServiceRestoreEnd): void {
    const note = end.state === 'failed' ? end.note : end.state === 'restored' ? end.asServiceId : null;
    this.#end.run({ serviceId, state: end.state, note, at: new Date().toISOString() });
  }

  /**
   * Services to bring back, oldest first: those a stopped engine left running. Rows of another engine that is still
   * running are its own and left out; rows from before the pid was recorded, and rows of this process, count as left
   * behind. `isAlive` says whether a process id is a running process.
   */
  wanted(isAlive: (pid: number) => boolean = isProcessAlive): RestorableService[] {
    return (this.#wanted.all() as RestoreRow[]).filter((row) => isLeftBehind(row.engine_pid, isAlive)).map((row) => ({
      serviceId: row.service_id,
      runId: row.run_id,
      node: row.node_id,
      kind: row.kind,
      name: row.name,
      recipe: parsedOrNull(row.recipe_json),
      recordedAt: row.recorded_at,
    }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function parsedOrNull(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}
