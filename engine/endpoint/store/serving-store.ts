// The serving store — API keys and the usage log — over SQLite (the engine's crucible.db, the default, needing
// nothing installed) or PostgreSQL (a `postgres://` URL), so several gateway processes can share one truth. Every
// reader and writer goes through the same KeyStore and RequestLog; only the SQL client differs.
import { openDatabase, type DatabaseLocation } from '../../store/database.ts';
import { KeyStore } from './key-store.ts';
import { redactedUrl } from '../redacted-url.ts';
import { PostgresClient } from './postgres-client.ts';
import { RequestLog, type RequestLogOptions } from './request-log.ts';
import type { SqlClient } from './sql-client.ts';
import { SqliteClient } from './sqlite-client.ts';

export class ServingStore {
  readonly keys: KeyStore;
  readonly requests: RequestLog;
  readonly sql: SqlClient;
  #closed: Promise<void> | null = null;

  constructor(sql: SqlClient, options: RequestLogOptions = {}) {
    this.sql = sql;
    this.keys = new KeyStore(sql);
    this.requests = new RequestLog(sql, options);
  }

  /** `{ dataDir }` opens `<dataDir>/crucible.db` (migrating it); `{ file: ':memory:' }` suits tests. */
  static open(location: DatabaseLocation, options: RequestLogOptions = {}): ServingStore {
    return new ServingStore(new SqliteClient(openDatabase(location)), options);
  }

  /** Writes queued usage rows and closes the connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= this.requests.close().finally(() => this.sql.close());
    return this.#closed;
  }
}

/** Where a store lives: a `postgres://` (or `postgresql://`) URL, or the data directory's SQLite database. */
export type StoreLocation = string | DatabaseLocation;

/**
 * Opens the store a URL names: `postgres://user:password@host:port/db` (migrated on connect), `sqlite:PATH` for an
 * SQLite file, or `{ dataDir }` for the engine's own database.
 */
export async function openServingStore(location: StoreLocation, options: RequestLogOptions = {}): Promise<ServingStore> {
  if (typeof location !== 'string') return ServingStore.open(location, options);
  if (/^postgres(ql)?:\/\//i.test(location)) return new ServingStore(await PostgresClient.connect(location), options);
  if (/^sqlite:/i.test(location)) return ServingStore.open({ file: location.slice('sqlite:'.length) }, options);
  throw new Error(`store URL "${redactedUrl(location)}" is not one Crucible can open: use postgres://USER:PASSWORD@HOST:PORT/DATABASE, sqlite:PATH, or leave it out for the data directory's SQLite database.`);
}
