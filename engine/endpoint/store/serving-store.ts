// Opens the serving side of the engine's SQLite store — API keys and the usage log — on its own connection, so the
// API server, the engine API and the CLI can share one database file (WAL) even from separate processes.
import { openDatabase, type DatabaseLocation, type SqliteDatabase } from '../../store/database.ts';
import { KeyStore } from './key-store.ts';
import { RequestLog } from './request-log.ts';

export class ServingStore {
  readonly keys: KeyStore;
  readonly requests: RequestLog;
  readonly #db: SqliteDatabase;
  #closed = false;

  private constructor(db: SqliteDatabase) {
    this.#db = db;
    this.keys = new KeyStore(db);
    this.requests = new RequestLog(db);
  }

  /** `{ dataDir }` opens `<dataDir>/crucible.db` (migrating it); `{ file: ':memory:' }` suits tests. */
  static open(location: DatabaseLocation): ServingStore {
    return new ServingStore(openDatabase(location));
  }

  /** Writes queued usage rows and closes the connection. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.requests.close();
    this.#db.close();
  }
}
