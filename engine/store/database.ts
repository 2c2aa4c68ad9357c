// Opens the engine's SQLite database (WAL, foreign keys, busy timeout) and brings its schema up to date.
// Schema versions live in `PRAGMA user_version`; each numbered step runs once, in order, in its own transaction.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STORE_MIGRATIONS } from './migrations.ts';

export type SqliteDatabase = Database.Database;

/** One schema change. `version` is the user_version the database has once the step has run. */
export interface MigrationStep {
  version: number;
  description: string;
  up: string | ((db: SqliteDatabase) => void);
}

export const DATABASE_FILE_NAME = 'crucible.db';
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export type DatabaseLocation = { dataDir: string } | { file: string };

export interface OpenDatabaseOptions {
  /** Defaults to the store's own steps; tests and later releases pass longer lists. */
  migrations?: readonly MigrationStep[];
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** The database file for a location: `<dataDir>/crucible.db`, or the given file (`:memory:` allowed). */
export function databaseFileFor(location: DatabaseLocation): string {
  return 'file' in location ? location.file : path.join(location.dataDir, DATABASE_FILE_NAME);
}

/** Opens (creating if needed) the database and applies every pending migration step. */
export function openDatabase(location: DatabaseLocation, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const file = databaseFileFor(location);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against corruption in WAL mode; it only risks the last commits on power loss.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, options.migrations ?? STORE_MIGRATIONS, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version recorded in the database file. */
export function schemaVersionOf(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs the steps newer than the database's version. Refuses a database written by a newer release. */
export function applyMigrations(db: SqliteDatabase, steps: readonly MigrationStep[], fileLabel = 'the database'): void {
  checkStepsAreNumberedInOrder(steps);
  const latest = steps.length;
  const found = schemaVersionOf(db);
  if (found > latest) {
    throw new Error(
      `${fileLabel} has schema version ${found}, but this Crucible only knows versions up to ${latest}: ` +
        'it was written by a newer release. Upgrade Crucible, or point it at another data directory.',
    );
  }
  for (const step of steps.slice(found)) applyStep(db, step, fileLabel);
}

function applyStep(db: SqliteDatabase, step: MigrationStep, fileLabel: string): void {
  const run = db.transaction(() => {
    // Another process may have migrated while this one waited for the write lock.
    if (schemaVersionOf(db) >= step.version) return;
    if (typeof step.up === 'string') db.exec(step.up);
    else step.up(db);
    db.pragma(`user_version = ${step.version}`);
  });
  try {
    run.immediate();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${fileLabel}: schema migration ${step.version} ("${step.description}") failed and was rolled back: ${reason}. ` +
        'The database is unchanged from version ' + (step.version - 1) + '; fix the step or restore a backup.',
      { cause: error },
    );
  }
}

function checkStepsAreNumberedInOrder(steps: readonly MigrationStep[]): void {
  steps.forEach((step, index) => {
    if (step.version !== index + 1) {
      throw new Error(
        `migration list: step "${step.description}" at position ${index} has version ${step.version}; ` +
          `versions must be 1, 2, 3... in list order (expected ${index + 1}).`,
      );
    }
  });
}
